package webtest_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/kefutest"
)

// TestRatingAndReportsInBrowser: a web-widget customer and a simulator
// (mini program) customer each chat with alice, who closes; each gets the
// rating card, rates (4 with a comment, 5), and the admin's Reports page
// shows the two sessions, their waits and the ratings, with its charts —
// at desktop width and at 390 px.
func TestRatingAndReportsInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser tests are not short")
	}
	s, app, _, alice := adminAndAgent(t)
	browser := kefutest.Browser(t)
	ctx := context.Background()

	// The widget's chat page, on its own: an anonymous web visitor.
	w := newDeskTab(t, browser)
	w.do(chromedp.EmulateViewport(390, 760))
	w.do(chromedp.Navigate(s.URL + "/widget/chat?appid=" + app.ID))
	w.wait("the composer", `!!document.querySelector(".composer-input") && !document.querySelector("kefu-composer").hasAttribute("disabled")`)
	w.fill(".composer-input", "My kettle does not boil")
	w.click(".composer-send")
	conv := waitQueuedConversation(t, alice)
	s.Clock.Advance(2 * time.Minute) // two minutes in the queue
	alice.Accept(conv)
	s.Clock.Advance(30 * time.Second)
	alice.Say(conv, "Sorry to hear that — a new one is on its way.")
	s.Clock.Advance(time.Minute)
	alice.Close(conv)
	w.wait("the rating card", `!document.querySelector("kefu-rating-card").hidden && document.querySelectorAll(".rating-star").length === 5`)
	if w.text(".rating-send") == "" || !deskJS[bool](w, `document.querySelector(".rating-send").disabled`) {
		t.Error("the rating can be sent before a score is picked")
	}
	w.click(`.rating-star[data-score="4"]`)
	w.fill(".rating-comment", "Quick and kind")
	w.screenshot("rating-widget-390")
	w.click(".rating-send")
	w.wait("the thanks", `document.querySelector(".rating-lead").textContent !== "" && document.querySelector("kefu-rating-card > div").hidden`)
	sessions, err := s.Store.Sessions(ctx, conv)
	if err != nil || len(sessions) == 0 {
		t.Fatalf("sessions: %v", err)
	}
	r, err := s.Store.RatingOf(ctx, sessions[0].ID)
	if err != nil || r.Score != 4 || r.Comment != "Quick and kind" || r.Channel != kefu.ChannelWeb || r.AgentID == 0 {
		t.Fatalf("the widget's rating: %+v, %v", r, err)
	}
	// Reloaded, the chat does not ask again.
	w.do(chromedp.Reload())
	w.wait("the history", `document.querySelectorAll("kefu-chat-log .kefu-notice").length > 0`)
	if !deskJS[bool](w, `document.querySelector("kefu-rating-card").hidden`) {
		t.Error("the rating card came back after the chat was rated")
	}

	// The simulator: a mini program customer.
	m := newDeskTab(t, browser)
	m.do(chromedp.EmulateViewport(1280, 900))
	m.do(chromedp.Navigate(s.URL + "/sim?appid=" + app.ID))
	m.wait("the simulated user", `document.querySelector(".sim-openid code").textContent.startsWith("o")`)
	m.click(".mp-contact")
	m.wait("the composer", `!!document.querySelector(".composer-input")`)
	m.fill(".composer-input", "Where is my order?")
	m.click(".composer-send")
	conv2 := waitQueuedConversation(t, alice)
	s.Clock.Advance(4 * time.Minute)
	alice.Accept(conv2)
	s.Clock.Advance(time.Minute)
	alice.Say(conv2, "It left the warehouse this morning.")
	alice.Close(conv2)
	m.wait("the rating card", `!document.querySelector("kefu-rating-card").hidden`)
	m.click(`.rating-star[data-score="5"]`)
	m.screenshot("rating-simulator")
	m.click(".rating-send")
	m.wait("the thanks", `document.querySelector("kefu-rating-card > div").hidden`)
	sessions, _ = s.Store.Sessions(ctx, conv2)
	if r, err := s.Store.RatingOf(ctx, sessions[0].ID); err != nil || r.Score != 5 || r.Channel != kefu.ChannelMiniProgram {
		t.Fatalf("the simulator's rating: %+v, %v", r, err)
	}

	// The reports, for the server's day.
	day := s.Clock.Now().UTC().Format(time.DateOnly)
	a := newDeskTab(t, browser)
	a.do(chromedp.EmulateViewport(1280, 1100))
	a.signIn(s.URL+"/admin#reports", "root")
	a.wait("the report form", `!!document.querySelector("#report-from")`)
	a.fill("#report-from", day)
	a.fill("#report-to", day)
	a.click("#report-show")
	a.wait("the figures", `document.querySelector("#kpi-csat .report-card-value").textContent === "4.50"`)
	if got := a.text("#kpi-started .report-card-value"); got != "2" {
		t.Errorf("sessions started: %q, want 2", got)
	}
	// Waits of 2 and 4 minutes: the median is 2 min, the 90th percentile 4 min.
	if got := a.text("#kpi-wait .report-card-value"); !strings.Contains(got, "2 min 00 s") || !strings.Contains(got, "4 min 00 s") {
		t.Errorf("queue wait card: %q", got)
	}
	if n := deskJS[int](a, `document.querySelectorAll(".report-chart svg").length`); n != 6 {
		t.Errorf("%d charts, want 6", n)
	}
	if got := deskJS[[]int](a, `[...document.querySelectorAll("#chart-csat rect.chart-bar")].map((r) => Math.round(+r.getAttribute("height")) > 0 ? 1 : 0)`); fmt.Sprint(got) != "[0 0 0 1 1]" {
		t.Errorf("CSAT bars drawn for scores %v, want only 4 and 5", got)
	}
	if href := deskJS[string](a, `document.querySelector("#report-csv").getAttribute("href")`); !strings.Contains(href, "format=csv") || !strings.Contains(href, "from="+day) {
		t.Errorf("CSV link %q", href)
	}
	a.screenshot("reports-desktop")
	a.do(chromedp.EmulateViewport(390, 1400))
	a.wait("the narrow layout", `document.querySelector(".report-charts").getBoundingClientRect().width <= 390`)
	a.screenshot("reports-390")
}
