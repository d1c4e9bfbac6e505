package webtest_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
)

// settledJS holds when the page's fonts are loaded and no finite animation
// or transition is running, in the page, its shadow trees or the chat
// iframe (when there is one): the moment to take a picture.
const settledJS = `(() => {
	const still = (doc) => doc.fonts.status === "loaded" && doc.getAnimations().every((a) =>
		a.playState !== "running" || a.effect?.getComputedTiming().iterations === Infinity);
	const f = document.querySelector("kefu-chat-window")?.shadowRoot?.querySelector("iframe");
	const inner = f?.contentDocument;
	return still(document) && (!inner || still(inner));
})()`

// waitSettled waits until the page stands still (see settledJS).
func waitSettled(t *testing.T, ctx context.Context) {
	t.Helper()
	waitFor(t, ctx, "the page to stand still", settledJS)
}

// quietRound counts waitQuiet's calls, to name each one's sentinel.
var quietRound atomic.Int64

// waitQuiet is the sentinel for "nothing injected ran": it waits until
// every image of the page has loaded or failed (so an injected onload or
// onerror would have run) and a task queued now, after the test's clicks
// and hovers, has run (so would anything they queued).
func waitQuiet(t *testing.T, ctx context.Context) {
	t.Helper()
	key := fmt.Sprintf("__kefuQuiet%d", quietRound.Add(1))
	waitFor(t, ctx, "the page to be quiet", fmt.Sprintf(`(() => {
		if (!(%[1]q in window)) { window[%[1]q] = false; setTimeout(() => { window[%[1]q] = true; }, 0); }
		return window[%[1]q] && [...document.images].every((i) => i.complete);
	})()`, key))
}
