// Command kefu is the whole Kefu product in one binary: the platform, the desk
// and the clients (`kefu serve`, the default), plus tools around it.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"
)

func main() {
	os.Exit(run(os.Args[1:], os.LookupEnv, os.Stdin, os.Stdout, os.Stderr))
}

// lookupEnv reads an environment variable (os.LookupEnv, or a test's map).
type lookupEnv func(name string) (string, bool)

// run dispatches to a subcommand and returns the process exit code.
func run(args []string, env lookupEnv, stdin io.Reader, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serveCommand(args, env, stdout, stderr)
	case "app":
		return appCommand(args, env, stdout, stderr)
	case "wx":
		return wxCommand(args, stdin, stdout, stderr)
	case "secrets":
		return secretsCommand(args, env, stdout, stderr)
	case "bench":
		return benchCommand(args, env, stdout, stderr)
	case "help":
		// The same as "kefu -h": the commands, and the flags of serve.
		return serveCommand([]string{"-h"}, env, stdout, stderr)
	default:
		fmt.Fprintf(stderr, "kefu: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
}

const usage = `Usage: kefu [command] [flags]

Commands:
  serve      run Kefu (the default when no command is given)
  app        manage mini programs: add, list, set
  wx         WeChat protocol tools: sign, decrypt, encrypt
  secrets    the keys that encrypt secrets in the database: new-key, rotate
  bench      measure Kefu on this machine against its ceilings
  help       show this help

Run "kefu <command> -h" for the flags of app, wx, secrets and bench.
`

// parseFlags parses a command's flags. When it returns false the command is
// over and code is its exit code: 0 after -h or --help, with the usage on
// stdout (asking for help is no mistake), 2 after a usage error, told on
// stderr with the usage.
func parseFlags(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) (code int, ok bool) {
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fs.SetOutput(stdout)
		fs.Usage()
		return 0, false
	}
	if err != nil {
		return usageError(fs, err, stderr), false
	}
	return 0, true
}

// usageError tells err and the usage of fs on stderr and returns exit code 2.
func usageError(fs *flag.FlagSet, err error, stderr io.Writer) int {
	fmt.Fprintf(stderr, "%s: %v\n\n", fs.Name(), err)
	fs.SetOutput(stderr)
	fs.Usage()
	return 2
}

// envSettings are the flags of a command that are also read from the
// environment, each from its own variable.
type envSettings []envSetting

type envSetting struct{ flag, variable string }

// settingsFromEnv makes flags of fs settings that are also read from the
// environment. A flag's variable is prefix and the flag's name in capitals,
// dashes as underscores (--session-timeout ↔ KEFU_SESSION_TIMEOUT), and its
// usage says so. names picks the flags; none means every flag of fs. Call it
// once the flags are defined, and apply the settings after parsing.
func settingsFromEnv(fs *flag.FlagSet, prefix string, names ...string) envSettings {
	var s envSettings
	fs.VisitAll(func(f *flag.Flag) {
		if len(names) > 0 && !slices.Contains(names, f.Name) {
			return
		}
		v := prefix + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		f.Usage += " (env " + v + ")"
		s = append(s, envSetting{f.Name, v})
	})
	return s
}

// apply sets each flag that was not given on the command line from its
// variable, when that is set: a flag wins over its variable. A value the
// flag refuses is an error that names the variable; nothing falls back to
// the default, so a mistake is not silently a different setting.
func (s envSettings) apply(fs *flag.FlagSet, env lookupEnv) error {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	for _, e := range s {
		v, ok := env(e.variable)
		if !ok || given[e.flag] {
			continue
		}
		if err := fs.Set(e.flag, v); err != nil {
			return fmt.Errorf("%s: %s", e.variable, invalidValue(fs.Lookup(e.flag), v, err))
		}
	}
	return nil
}

// invalidValue says why v is no value for f, and how to write one.
func invalidValue(f *flag.Flag, v string, err error) string {
	if g, ok := f.Value.(flag.Getter); ok {
		switch g.Get().(type) {
		case time.Duration:
			return fmt.Sprintf("invalid duration %q (write a number and a unit, such as 30m or 45s)", v)
		case bool:
			return fmt.Sprintf("invalid boolean %q (write true or false)", v)
		case int, int64, uint, uint64:
			return fmt.Sprintf("invalid number %q", v)
		}
	}
	return fmt.Sprintf("invalid value %q: %v", v, err)
}
