// Command kefu is the whole Kefu product in one binary: the platform, the desk
// and the clients (`kefu serve`, the default), plus tools around it.
package main

import (
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
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
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
`
