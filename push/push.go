// Package push delivers customers' messages and events from the outbox to
// each app's message-push URL, exactly as WeChat does: signed (and in
// compatible or safe mode encrypted) in the app's format, a 5-second
// deadline, three tries in total with the same MsgId, and the developer's
// answer understood — success, empty, or transfer_customer_service, plain
// or encrypted; anything else is a failed try. Every try is recorded in the
// app's push log through the engine, which decides what the outcome means
// for the session.
package push

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/engine"
	"github.com/kefuhq/kefu/netguard"
	"github.com/kefuhq/kefu/wechat"
)

// Config tunes delivery. Zero fields take WeChat's values.
type Config struct {
	// Deadline is how long the developer has to answer (WeChat: 5 s).
	Deadline time.Duration
	// RetryDelay is the pause before the second and third try.
	RetryDelay time.Duration
	// Concurrency is how many pushes may be in flight at once.
	Concurrency int
	// PublicURL is Kefu's address as developers reach it, for image PicUrls.
	PublicURL string
	// Client sends the pushes (default: a client with keep-alive and no
	// redirects — WeChat does not follow them).
	Client *http.Client
	// PollInterval is how often the outbox is checked when nothing woke
	// the worker (default 1 s).
	PollInterval time.Duration
}

// Worker takes due jobs from the outbox and delivers them.
type Worker struct {
	eng   *engine.Engine
	clock kefu.Clock
	cfg   Config
	log   *slog.Logger
	wake  chan struct{}
	sem   chan struct{}

	attempts *prometheus.CounterVec
	latency  prometheus.Histogram
}

// maxResponseBytes is how much of a developer's answer is read and logged.
const maxResponseBytes = 64 << 10

// New returns a worker; start it with Run. It registers itself with the
// engine to be woken when a job is enqueued.
func New(eng *engine.Engine, cfg Config, log *slog.Logger) *Worker {
	if cfg.Deadline <= 0 {
		cfg.Deadline = 5 * time.Second
	}
	if cfg.RetryDelay <= 0 {
		cfg.RetryDelay = time.Second
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 64
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = time.Second
	}
	if cfg.Client == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = cfg.Concurrency
		// Push URLs are typed by admins: internal addresses are refused
		// when connecting, unless the app allows them (see push's context).
		cfg.Client = &http.Client{Transport: netguard.Transport(tr), CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	w := &Worker{eng: eng, clock: eng.Clock(), cfg: cfg, log: log,
		wake: make(chan struct{}, 1), sem: make(chan struct{}, cfg.Concurrency),
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kefu_push_attempts_total",
			Help: "Push tries by result (delivered, transferred, failed)."}, []string{"result"}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "kefu_push_latency_seconds",
			Help: "Time from sending a push to the developer's answer.", Buckets: prometheus.ExponentialBuckets(0.0005, 2.5, 12)}),
	}
	eng.OnPushEnqueued(w.Wake)
	return w
}

// Collectors returns the worker's Prometheus metrics.
func (w *Worker) Collectors() []prometheus.Collector {
	return []prometheus.Collector{w.attempts, w.latency}
}

// Wake makes the worker look at the outbox now.
func (w *Worker) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run delivers until ctx ends, then waits for the tries in flight to
// finish and be recorded, so a graceful shutdown loses none. (After a
// crash, a leased job becomes due again when its lease runs out and is
// tried again with the same MsgId.)
func (w *Worker) Run(ctx context.Context) {
	var wg sync.WaitGroup
	defer wg.Wait()
	t := time.NewTicker(w.cfg.PollInterval)
	defer t.Stop()
	lease := w.cfg.Deadline*2 + 10*time.Second
	for {
		free := cap(w.sem) - len(w.sem)
		if free > 0 && free < claimBatch(w.sem) {
			// Nearly every slot is busy: let a few more finish before
			// claiming, so each claim (a scan of the outbox and a commit)
			// takes several jobs instead of one per finished try — under a
			// backlog, claiming one at a time was a tenth of the server's
			// CPU in kefu bench push. A quiet worker claims at once.
			select {
			case <-ctx.Done():
				return
			case <-time.After(2 * time.Millisecond):
			}
			free = cap(w.sem) - len(w.sem)
		}
		if free > 0 {
			jobs, err := w.eng.ClaimPushJobs(ctx, free, lease)
			if err != nil && ctx.Err() == nil {
				w.log.Error("push: claim jobs", "err", err)
			}
			for _, j := range jobs {
				w.sem <- struct{}{}
				wg.Add(1)
				go func() {
					defer wg.Done()
					defer func() { <-w.sem; w.Wake() }()
					// Each try's record claims the slot's next job in the
					// same commit, while the worker runs.
					for j != nil {
						j = w.deliver(j, ctx.Err() == nil, lease)
					}
				}()
			}
			if len(jobs) > 0 {
				// There may be more: a claim takes at most what was asked
				// and perhaps fewer (the store rounds the limit down). An
				// empty outbox costs the next claim a read, not a commit.
				continue
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-w.wake:
		case <-t.C:
		}
	}
}

// claimBatch is how many free slots a busy worker waits for before it
// claims again: an eighth of them.
func claimBatch(sem chan struct{}) int { return max(cap(sem)/8, 1) }

// deliver makes one try of a job and records it; with claimNext, the
// record also claims the next due job, which it returns.
func (w *Worker) deliver(j *kefu.PushJob, claimNext bool, lease time.Duration) *kefu.PushJob {
	// Recording must happen even while shutting down: use a context of
	// its own.
	ctx, cancel := context.WithTimeout(context.Background(), w.cfg.Deadline+30*time.Second)
	defer cancel()
	a, m := w.try(ctx, j)
	w.attempts.WithLabelValues(string(a.Result)).Inc()
	if a.StatusCode != 0 {
		w.latency.Observe(a.Latency.Seconds())
	}
	rec := engine.PushRecord{Job: j, Attempt: a, RetryAt: w.clock.Now().Add(w.cfg.RetryDelay), Message: m}
	limit := 0
	if claimNext {
		limit = 1
	}
	next, err := w.eng.RecordPushAndClaim(ctx, rec, limit, lease)
	if err != nil {
		w.log.Error("push: record try", "job", j.ID, "message", j.MessageID, "err", err)
		return nil
	}
	if a.Result == kefu.PushFailed && j.Tries < engine.MaxPushTries {
		w.clock.AfterFunc(w.cfg.RetryDelay, w.Wake) // the clock RetryAt was read from
	}
	if len(next) == 0 {
		return nil
	}
	return next[0]
}

// try sends the push once and returns the attempt, with its result, and
// the message pushed (nil if it could not be read).
func (w *Worker) try(ctx context.Context, j *kefu.PushJob) (*kefu.PushAttempt, *kefu.Message) {
	now := w.clock.Now()
	a := &kefu.PushAttempt{AppID: j.AppID, MessageID: j.MessageID, ConversationID: j.ConversationID, Try: j.Tries,
		Result: kefu.PushFailed, CreatedAt: now}
	app, m, openID, err := w.load(ctx, j)
	if err != nil {
		a.Error = "could not prepare the push: " + err.Error()
		return a, m
	}
	a.URL = app.Push.URL
	if app.Push.URL == "" {
		a.Error = "the app has no push URL any more"
		return a, m
	}
	ep, err := Endpoint(app)
	if err != nil {
		a.Error = err.Error()
		return a, m
	}
	wm := w.wechatMessage(app, m, openID)
	ts := strconv.FormatInt(now.Unix(), 10)
	query, body, err := wechat.BuildPush(ep, wm, ts, wechat.NewNonce())
	if err != nil {
		a.Error = err.Error()
		return a, m
	}
	a.RequestQuery, a.RequestBody = query.Encode(), string(body)

	// Latency counts from when the deadline starts, so a timed-out try
	// shows the full deadline.
	start := time.Now()
	rctx, cancel := context.WithTimeout(netguard.AllowPrivate(ctx, app.Push.AllowPrivate), w.cfg.Deadline)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodPost, withQuery(app.Push.URL, a.RequestQuery), bytes.NewReader(body))
	if err != nil {
		a.Error = "bad push URL: " + err.Error()
		return a, m
	}
	req.Header.Set("Content-Type", ep.Format.ContentType())
	req.Header.Set("User-Agent", "Kefu-Push/1")
	resp, err := w.cfg.Client.Do(req)
	if err != nil {
		a.Latency = time.Since(start)
		a.Error = explain(err, w.cfg.Deadline)
		return a, m
	}
	reply, rerr := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	resp.Body.Close()
	a.Latency = time.Since(start)
	a.StatusCode = resp.StatusCode
	if len(reply) > maxResponseBytes {
		reply = reply[:maxResponseBytes]
		rerr = errors.New("the answer is larger than 64 KB")
	}
	a.ResponseBody = printable(reply)
	switch {
	case rerr != nil:
		a.Error = explain(rerr, w.cfg.Deadline)
	case resp.StatusCode != http.StatusOK:
		a.Error = fmt.Sprintf("the developer answered HTTP %d; WeChat needs 200 with success, an empty body or transfer_customer_service", resp.StatusCode)
	default:
		kind, err := wechat.ParseReply(ep, reply)
		switch {
		case err != nil:
			a.Error = "the answer is not success, empty or transfer_customer_service: " + err.Error()
		case kind == wechat.ReplyTransfer:
			a.Result = kefu.PushTransferred
		default:
			a.Result = kefu.PushDelivered
		}
	}
	return a, m
}

// load reads what a push needs: the app, the message and the customer's
// openid. The app and the customer come from the engine's cache (see
// engine.CacheTTL): reading them and the conversation for every try made
// four reads of a push instead of one.
func (w *Worker) load(ctx context.Context, j *kefu.PushJob) (*kefu.App, *kefu.Message, string, error) {
	app, err := w.eng.App(ctx, j.AppID)
	if err != nil {
		return nil, nil, "", err
	}
	m, err := w.eng.PushMessage(ctx, j)
	if err != nil {
		return nil, nil, "", err
	}
	cust, err := w.eng.CustomerOf(ctx, j.ConversationID)
	if err != nil {
		return nil, m, "", err
	}
	return app, m, cust.OpenID, nil
}

// Endpoint turns an app's push configuration into the wechat package's.
func Endpoint(app *kefu.App) (wechat.Endpoint, error) {
	mode, err := wechat.ParseMode(string(app.Push.Mode))
	if err != nil {
		return wechat.Endpoint{}, fmt.Errorf("push mode: %w", err)
	}
	format, err := wechat.ParseFormat(string(app.Push.Format))
	if err != nil {
		return wechat.Endpoint{}, fmt.Errorf("push format: %w", err)
	}
	return wechat.Endpoint{Token: app.Push.Token, EncodingAESKey: app.Push.EncodingAESKey, PreviousAESKey: app.Push.PreviousAESKey,
		AppID: app.ID, OriginalID: app.OriginalID, Mode: mode, Format: format}, nil
}

// wechatMessage is the push of a stored message, as WeChat would send it.
// MsgId and CreateTime come from the stored message, so every try carries
// the same ones (events are deduplicated by FromUserName + CreateTime).
func (w *Worker) wechatMessage(app *kefu.App, m *kefu.Message, openID string) *wechat.Message {
	wm := &wechat.Message{ToUserName: app.OriginalID, FromUserName: openID, CreateTime: m.CreatedAt.Unix()}
	switch m.Kind {
	case kefu.KindText:
		wm.MsgType, wm.MsgID, wm.Content = wechat.MsgTypeText, m.MsgID, m.Text.Content
	case kefu.KindImage:
		wm.MsgType, wm.MsgID, wm.MediaID = wechat.MsgTypeImage, m.MsgID, m.Image.MediaID
		wm.PicURL = w.cfg.PublicURL + "/media/" + m.Image.MediaID
	case kefu.KindMiniProgramPage:
		p := m.MiniProgramPage
		wm.MsgType, wm.MsgID = wechat.MsgTypeMiniProgramPage, m.MsgID
		wm.Title, wm.AppID, wm.PagePath, wm.ThumbURL, wm.ThumbMediaID = p.Title, p.AppID, p.PagePath, p.ThumbURL, p.ThumbMediaID
		if wm.AppID == "" {
			wm.AppID = app.ID
		}
		if wm.ThumbURL == "" && p.ThumbMediaID != "" {
			wm.ThumbURL = w.cfg.PublicURL + "/media/" + p.ThumbMediaID
		}
	case kefu.KindEvent:
		wm.MsgType, wm.Event, wm.SessionFrom = wechat.MsgTypeEvent, m.Event.Event, m.Event.SessionFrom
	}
	return wm
}

func withQuery(u, query string) string {
	if bytes.IndexByte([]byte(u), '?') >= 0 {
		return u + "&" + query
	}
	return u + "?" + query
}

// explain turns a transport error into what a developer needs to read.
func explain(err error, deadline time.Duration) string {
	var refused *netguard.RefusedError
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Sprintf("no answer within %s: the connection was dropped", deadline)
	case errors.As(err, &refused):
		return refused.Error()
	}
	return err.Error()
}

// printable keeps a response readable in the push log.
func printable(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	return fmt.Sprintf("(%d bytes, not UTF-8 text)", len(b))
}
