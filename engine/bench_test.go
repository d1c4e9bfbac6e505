package engine_test

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/bus"
	"github.com/kefuhq/kefu/engine"
	"github.com/kefuhq/kefu/kefutest"
	"github.com/kefuhq/kefu/richtext"
)

// BenchmarkReceive measures the append path a customer's message takes:
// one durable transaction that locks the conversation, appends the message
// with the next sequence number and saves the conversation (the app has no
// push URL, so no outbox row) — serially, and from many goroutines at once,
// where group commit shares transactions.
func BenchmarkReceive(b *testing.B) {
	for _, engineName := range kefutest.Engines() {
		for _, parallel := range []int{1, 16, 64} {
			b.Run(fmt.Sprintf("%s/writers=%d", engineName, parallel), func(b *testing.B) {
				ctx := context.Background()
				store := kefutest.OpenStore(b, engineName)
				eng := engine.New(store, bus.NewLocal(), kefu.SystemClock{}, richtext.New(), nil, engine.Config{})
				app := &kefu.App{ID: "wx1234567890abcdef", OriginalID: "gh_abcdef123456", Secret: "0123456789abcdef0123456789abcdef"}
				if err := eng.CreateApp(ctx, app); err != nil {
					b.Fatal(err)
				}
				convs := make([]int64, parallel)
				for i := range convs {
					_, c, err := eng.Identify(ctx, engine.IdentifyRequest{AppID: app.ID, Channel: kefu.ChannelWeb, ExternalID: strconv.Itoa(i)})
					if err != nil {
						b.Fatal(err)
					}
					convs[i] = c.ID
				}
				var next atomic.Int64
				b.SetParallelism(max(1, parallel/runtime.GOMAXPROCS(0)))
				b.ResetTimer()
				start := time.Now()
				if parallel == 1 {
					for i := 0; i < b.N; i++ {
						receive(b, eng, convs[0], i)
					}
				} else {
					b.RunParallel(func(pb *testing.PB) {
						conv := convs[int(next.Add(1)-1)%len(convs)]
						i := 0
						for pb.Next() {
							receive(b, eng, conv, i)
							i++
						}
					})
				}
				b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
			})
		}
	}
}

func receive(b *testing.B, eng *engine.Engine, conv int64, i int) {
	_, _, err := eng.Receive(context.Background(), conv, &kefu.Message{Kind: kefu.KindText, Text: &kefu.Text{Content: "hello " + strconv.Itoa(i)}})
	if err != nil {
		b.Fatal(err)
	}
}
