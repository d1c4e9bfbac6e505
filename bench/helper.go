package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"time"

	"github.com/coder/websocket"
)

// HelperCommand is the hidden `kefu bench helper KIND ADDR` that runs a
// ceiling server in a process of its own, as Kefu runs in its own.
const HelperCommand = "helper"

// RunHelper runs a ceiling server until it is sent SIGTERM. The only kind is
// "ws-echo": a bare WebSocket server on the same library as Kefu's
// (github.com/coder/websocket) that sends every frame straight back. It also
// answers /healthz, /gc (collect garbage) and /mem (Go heap and stacks in
// use, JSON), so the conns scenario can weigh its idle connections exactly as
// it weighs Kefu's.
func RunHelper(args []string, stdout, stderr io.Writer) int {
	if len(args) == 2 && args[0] == "flood" { // the flood scenario's abuser (flood.go)
		return runFloodHelper(args[1], stdout, stderr)
	}
	if len(args) != 2 || args[0] != "ws-echo" {
		fmt.Fprintln(stderr, "usage: kefu bench helper ws-echo ADDR")
		return 2
	}
	ln, err := net.Listen("tcp", args[1])
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	mux.HandleFunc("/gc", func(w http.ResponseWriter, r *http.Request) { runtime.GC() })
	mux.HandleFunc("/mem", func(w http.ResponseWriter, r *http.Request) {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		json.NewEncoder(w).Encode(map[string]uint64{"heap_inuse": ms.HeapInuse, "stack_inuse": ms.StackInuse})
	})
	mux.HandleFunc("/", echo)
	serveUntilSignal(ln, mux, stdout, "ws-echo")
	return 0
}

// serveUntilSignal serves a helper's mux on ln, says where, and returns
// once the bench stops the helper (SIGINT or SIGTERM).
func serveUntilSignal(ln net.Listener, mux *http.ServeMux, stdout io.Writer, name string) {
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	fmt.Fprintf(stdout, "%s listening on http://%s\n", name, ln.Addr())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	srv.Close()
}

// echo sends every frame back on the same connection.
func echo(w http.ResponseWriter, r *http.Request) {
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	defer c.CloseNow()
	ctx := context.Background()
	for {
		typ, data, err := c.Read(ctx)
		if err != nil {
			return
		}
		if err := c.Write(ctx, typ, data); err != nil {
			return
		}
	}
}
