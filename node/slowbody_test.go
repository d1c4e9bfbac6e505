package node_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	"github.com/kefuhq/kefu/node"
)

// A request body trickled a byte at a time is cut off once the read
// timeout has passed, instead of holding the connection for as long as the
// client likes.
func TestTrickledBodyIsCutOff(t *testing.T) {
	n, err := node.Open(context.Background(), node.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), ReadTimeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	n.Start()
	t.Cleanup(func() { n.Shutdown(context.Background()) })

	conn, err := net.Dial("tcp", n.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	const bodyLen = 10000
	fmt.Fprintf(conn, "POST /api/client/sessions HTTP/1.1\r\nHost: kefu\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", bodyLen)
	closed := make(chan error, 1)
	go func() {
		_, err := io.Copy(io.Discard, conn) // whatever the server answers, then EOF when it closes
		closed <- err
	}()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(30 * time.Second)
	for sent := 0; sent < bodyLen; sent++ {
		select {
		case <-closed:
			return // cut off
		case <-deadline:
			t.Fatalf("the server still reads a body trickled for 30 s (%d of %d bytes sent)", sent, bodyLen)
		case <-tick.C:
			if _, err := conn.Write([]byte(" ")); err != nil {
				return // cut off
			}
		}
	}
	t.Fatal("the whole trickled body was read")
}
