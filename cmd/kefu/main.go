// Command kefu is the whole Kefu product in one binary: the platform, the desk
// and the clients (`kefu serve`, the default), plus tools around it.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run dispatches to a subcommand and returns the process exit code.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serveCommand(args, stdout, stderr)
	case "app":
		return appCommand(args, stdout, stderr)
	case "wx":
		return wxCommand(args, stdin, stdout, stderr)
	case "bench":
		return benchCommand(args, stdout, stderr)
	case "help":
		// The same as "kefu -h": the commands, and the flags of serve.
		return serveCommand([]string{"-h"}, stdout, stderr)
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
  bench      measure Kefu on this machine against its ceilings
  help       show this help

Run "kefu <command> -h" for the flags of app, wx and bench.
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
