package webtest_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/kefutest"
)

// TestCannedRepliesInBrowser edits canned replies in the workspace's Manage
// dialog, from the keyboard and with the mouse, then uses the edited reply
// from the composer; a refused edit shows the server's reason and keeps what
// was typed. The edit form's picture goes to $KEFU_SCREENSHOTS.
func TestCannedRepliesInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser tests are not short")
	}
	s := kefutest.NewServer(t, kefutest.Options{})
	ctx := context.Background()
	app := s.App("", kefu.PushSafe, kefu.PushJSON)
	team := &kefu.Team{Name: "Returns", CreatedAt: s.Clock.Now()}
	mustStore(t, s, func(tx kefu.Tx) error { return tx.CreateTeam(ctx, team) })
	agentIn(t, s, "alice", kefu.RoleAgent, []int64{team.ID}, app.ID)
	alice := s.SignIn("alice")
	alice.Status(kefu.StatusOnline)
	var personal, shared kefu.CannedReply
	if st := alice.Do("POST", "/api/desk/canned", map[string]any{"shortcut": "hi", "text": "Hello!"}, &personal); st != http.StatusCreated {
		t.Fatalf("create personal reply: HTTP %d", st)
	}
	if st := alice.Do("POST", "/api/desk/canned", map[string]any{"shortcut": "refund", "text": "Refunds take 3 to 5 working days.", "team_id": team.ID}, &shared); st != http.StatusCreated {
		t.Fatalf("create team reply: HTTP %d", st)
	}

	// A conversation to write in: the composer (and its canned replies) needs one.
	user := s.Customer(app.ID, kefu.ChannelWeb, "canned-user")
	user.Say("Can I return my phone?")
	alice.Accept(waitQueuedConversation(t, alice))

	p := newDeskTab(t, kefutest.Browser(t))
	p.signIn(s.URL+"/desk", "alice")
	p.click("#tab-mine")
	p.click("kefu-lists .conv-item .conv-open")
	p.wait("the composer", `!document.querySelector("#composer-text").disabled`)
	p.click("#composer-canned")
	p.click("#canned-manage")
	row := func(id int64) string { return fmt.Sprintf(`dialog .canned-row[data-id="%d"]`, id) }
	p.wait("both replies, each with Edit", fmt.Sprintf(`!!document.querySelector(%q) && !!document.querySelector(%q)`, row(personal.ID)+" .canned-edit", row(shared.ID)+" .canned-edit"))
	if got := deskJS[string](p, fmt.Sprintf(`document.querySelector(%q).getAttribute("aria-label")`, row(personal.ID)+" .canned-edit")); got != "Edit /hi" {
		t.Errorf("the Edit button's label: %q, want %q", got, "Edit /hi")
	}

	// From the keyboard: Enter on Edit opens the form, prefilled and focused;
	// Esc puts the row back and the focus on its Edit button, the dialog open.
	deskJS[any](p, fmt.Sprintf(`document.querySelector(%q).focus()`, row(personal.ID)+" .canned-edit"))
	p.do(chromedp.KeyEvent(kb.Enter))
	p.wait("the edit form, focused", `document.activeElement && document.activeElement.id === "canned-edit-shortcut"`)
	if got := deskJS[[]string](p, `[document.querySelector("#canned-edit-shortcut").value, document.querySelector("#canned-edit-text").value]`); got[0] != "hi" || got[1] != "Hello!" {
		t.Errorf("the edit form should hold the reply: %q", got)
	}
	p.do(chromedp.KeyEvent(kb.Escape))
	p.wait("the row back", fmt.Sprintf(`!document.querySelector("#canned-edit-shortcut") && document.activeElement === document.querySelector(%q)`, row(personal.ID)+" .canned-edit"))
	if !deskJS[bool](p, `!!document.querySelector("dialog[open]")`) {
		t.Fatal("Esc in the edit form closed the dialog")
	}

	// Edit and save: the list shows the new reply, and so does the server.
	p.click(row(personal.ID) + " .canned-edit")
	p.fill("#canned-edit-shortcut", "hello")
	p.fill("#canned-edit-text", "Hello! Thanks for waiting. How can I help?")
	deskJS[any](p, `document.activeElement.blur()`)
	p.screenshot("desk-canned-edit")
	p.click(".canned-edit-form button[type=submit]")
	p.wait("the edited reply listed", fmt.Sprintf(`!document.querySelector("#canned-edit-shortcut") && document.querySelector(%q).innerText.includes("/hello") && document.querySelector(%q).innerText.includes("Thanks for waiting")`, row(personal.ID), row(personal.ID)))
	if got, err := s.Store.CannedReply(ctx, personal.ID); err != nil || got.Shortcut != "hello" || got.Text != "Hello! Thanks for waiting. How can I help?" {
		t.Fatalf("stored reply: %+v %v", got, err)
	}

	// A refused edit: the server's reason is shown, in the dialog, and the form keeps what was typed.
	p.click(row(shared.ID) + " .canned-edit")
	p.fill("#canned-edit-text", "   ")
	p.click(".canned-edit-form button[type=submit]")
	p.wait("the server's reason", `[...document.querySelectorAll("dialog[open] .toast.is-error")].some((e) => e.innerText.includes("The text must be 1 to 2048 characters"))`)
	if !deskJS[bool](p, `document.querySelector("#canned-edit-text").value === "   " && !document.querySelector(".canned-edit-form button[type=submit]").disabled`) {
		t.Error("after a refused edit the form should stay as typed, ready to save again")
	}
	if got, err := s.Store.CannedReply(ctx, shared.ID); err != nil || got.Text != "Refunds take 3 to 5 working days." {
		t.Fatalf("a refused edit changed the reply: %+v %v", got, err)
	}
	p.click(".canned-edit-form button[type=button]") // Cancel
	p.wait("the team reply unchanged", fmt.Sprintf(`document.querySelector(%q).innerText.includes("3 to 5 working days")`, row(shared.ID)))
	p.click("dialog[open] .dialog-actions button")
	p.wait("the dialog closed", `!document.querySelector("dialog[open]")`)

	// "/hello" in the composer finds the edited reply; picking it inserts the new text.
	p.do(chromedp.SendKeys(chromedp.CSS("#composer-text"), "/hello"))
	p.wait("the filtered list", `!document.querySelector("kefu-canned").hidden && document.querySelectorAll("kefu-canned .canned-item").length === 1`)
	p.click("kefu-canned .canned-item")
	p.wait("the new text in the composer", `document.querySelector("#composer-text").value === "Hello! Thanks for waiting. How can I help?"`)
}
