package webtest_test

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/kefutest"
)

// TestWidgetRetriesThroughAStoreOutage cuts the database off (a proxy in
// front of PostgreSQL) while a customer writes in the widget: the server
// answers the send "unavailable", the widget says it is trying again
// instead of "not sent", and once the database is back the message is
// stored — once — and shown as sent, without the customer doing anything.
func TestWidgetRetriesThroughAStoreOutage(t *testing.T) {
	dsn, proxy := kefutest.PostgresBehindProxy(t)
	s := kefutest.NewServer(t, kefutest.Options{Engine: "postgres", DSN: dsn})
	app := s.App("", kefu.PushPlaintext, kefu.PushJSON)
	env := &browserEnv{s: s, browser: kefutest.Browser(t)}
	ctx := env.tab(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(s.URL+"/demo?appid="+app.ID)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the inline button", inline+`?.shadowRoot.querySelector(".root.is-ready") != null`)
	click(t, ctx, inline+`.shadowRoot.querySelector(".button")`)
	say := func(text string) {
		t.Helper()
		do(t, ctx, inChat(`(() => { const i = d.querySelector(".composer-input"); i.value = `+jsString(text)+`; i.dispatchEvent(new Event("input")); d.querySelector(".composer-send").click(); })()`))
	}
	sent := func(text string) string {
		return inChat(`[...d.querySelectorAll(".log-list .log-row:not(.is-pending)")].some(r => r.textContent.includes(` + jsString(text) + `))`)
	}
	say("before the outage")
	waitFor(t, ctx, "the first message sent", sent("before the outage"))

	proxy.Cut()
	say("during the outage")
	waitFor(t, ctx, "the widget trying again", inChat(`!!d.querySelector('.log-row.is-pending[data-status="retrying"]')`))
	if run[bool](t, ctx, inChat(`!!d.querySelector(".log-row.is-failed")`)) {
		t.Fatal("the widget called a message sent during an outage failed")
	}
	proxy.Restore()
	waitFor(t, ctx, "the message sent once the database is back", sent("during the outage")+` && `+
		inChat(`!d.querySelector(".log-row.is-pending")`))

	// Stored exactly once.
	msgs := 0
	convs, err := s.Store.Conversations(context.Background(), kefu.ConversationFilter{AppIDs: []string{app.ID}, Limit: 10})
	if err != nil || len(convs) != 1 {
		t.Fatalf("conversations: %d, %v", len(convs), err)
	}
	all, err := s.Store.Messages(context.Background(), convs[0].ID, 0, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range all {
		if m.Text != nil && m.Text.Content == "during the outage" {
			msgs++
		}
	}
	if msgs != 1 {
		t.Errorf("the message sent during the outage is stored %d times, want once", msgs)
	}
}
