package node_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/kefutest"
)

// A desk send frame for a conversation the agent cannot see is answered
// with not_found naming the send's client_msg_id, so the workspace knows
// which of its messages failed.
func TestDeskSendErrorNamesTheMessage(t *testing.T) {
	s := kefutest.NewServer(t, kefutest.Options{})
	app := s.App("", kefu.PushPlaintext, kefu.PushJSON)
	s.Agent("alice", kefu.RoleAgent, app.ID)
	d := s.SignIn("alice")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, strings.Replace(s.URL, "http", "ws", 1)+"/api/desk/ws",
		&websocket.DialOptions{HTTPClient: d.HTTP, HTTPHeader: http.Header{"Origin": {s.URL}}})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	frame, _ := json.Marshal(map[string]any{"type": "send", "conversation_id": 987654321,
		"message": map[string]any{"client_msg_id": "lost-1", "kind": "text", "text": map[string]string{"content": "hello?"}}})
	if err := ws.Write(ctx, websocket.MessageText, frame); err != nil {
		t.Fatal(err)
	}
	for {
		_, data, err := ws.Read(ctx)
		if err != nil {
			t.Fatalf("no answer to the send: %v", err)
		}
		var f struct {
			Type        string `json:"type"`
			ClientMsgID string `json:"client_msg_id"`
			Error       struct {
				Code string `json:"code"`
			} `json:"error"`
		}
		json.Unmarshal(data, &f)
		if f.Type != "error" {
			continue // hello
		}
		if f.ClientMsgID != "lost-1" || f.Error.Code != kefu.ENOTFOUND {
			t.Fatalf("the answer to a send to an unknown conversation is %s, want not_found for lost-1", data)
		}
		return
	}
}
