package attribution

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeClock is a clock moved by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newTestLimiter() (*Limiter, *fakeClock) {
	c := &fakeClock{t: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	return NewLimiter(DefaultLimits, WithClock(c.now)), c
}

func TestLimiterMessagesPerMinute(t *testing.T) {
	l, c := newTestLimiter()
	for i := range 30 {
		_, ok := l.Allow("printer@contoso.com", 1)
		require.True(t, ok, "message %d of 30 is within the limit", i+1)
		c.add(time.Second)
	}
	reply, ok := l.Allow("PRINTER@contoso.com", 1)
	assert.False(t, ok, "the 31st message within a minute is refused (case-insensitive mailbox)")
	assert.Equal(t, ReplyRateLimited, reply)
	assert.True(t, reply.Temporary())

	_, ok = l.Allow("scanner@contoso.com", 1)
	assert.True(t, ok, "another mailbox has its own budget")

	c.add(30 * time.Second) // the first message is now 60s old: out of the window
	_, ok = l.Allow("printer@contoso.com", 1)
	assert.True(t, ok, "the window rolls")
	_, ok = l.Allow("printer@contoso.com", 1)
	assert.False(t, ok, "only one slot was freed")
}

func TestLimiterRecipientsPerDay(t *testing.T) {
	l, c := newTestLimiter()
	// 100 messages of 100 recipients, one every 2 minutes: exactly 10,000.
	for i := range 100 {
		_, ok := l.Allow("app@contoso.com", 100)
		require.True(t, ok, "message %d", i)
		c.add(2 * time.Minute)
	}
	reply, ok := l.Allow("app@contoso.com", 1)
	assert.False(t, ok, "recipient 10,001 within 24 hours is refused")
	assert.Equal(t, ReplyRecipientQuota, reply)

	// The first message was sent 200 minutes ago; 24h after it, its 100
	// recipients leave the window.
	c.add(24*time.Hour - 200*time.Minute + time.Minute)
	_, ok = l.Allow("app@contoso.com", 100)
	assert.True(t, ok, "rolling window frees the oldest minute")
	_, ok = l.Allow("app@contoso.com", 1)
	assert.False(t, ok, "but no more than that")

	_, ok = l.Allow("big@contoso.com", 10_001)
	assert.False(t, ok, "one message over the daily limit on its own is refused")
}

func TestLimiterRefusedNotCounted(t *testing.T) {
	l := NewLimiter(Limits{MessagesPerMinute: 1, RecipientsPerDay: 10})
	_, ok := l.Allow("a@x.example", 11)
	assert.False(t, ok)
	_, ok = l.Allow("a@x.example", 10)
	assert.True(t, ok, "the refused message used no budget")
}

func TestLimiterPrune(t *testing.T) {
	l, c := newTestLimiter()
	l.Allow("a@contoso.com", 1)
	l.Allow("b@contoso.com", 1)
	c.add(23 * time.Hour)
	l.Allow("b@contoso.com", 1)
	c.add(2 * time.Hour)
	l.Prune()
	assert.Equal(t, 1, l.Len(), "a@ is idle for 25h and dropped; b@ sent 2h ago and stays")
}

func TestLimiterConcurrent(t *testing.T) {
	l := NewLimiter(Limits{MessagesPerMinute: 100})
	var wg sync.WaitGroup
	var mu sync.Mutex
	accepted := 0
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				if _, ok := l.Allow("shared@contoso.com", 1); ok {
					mu.Lock()
					accepted++
					mu.Unlock()
				}
				l.Allow(fmt.Sprint("own", g, "@contoso.com"), 1)
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, 100, accepted, "exactly the limit is accepted across goroutines")
}

func ExampleLimiter() {
	l := NewLimiter(Limits{MessagesPerMinute: 2})
	for range 3 {
		if reply, ok := l.Allow("printer@contoso.com", 1); !ok {
			fmt.Println("refused:", reply)
			continue
		}
		fmt.Println("accepted")
	}
	// Output:
	// accepted
	// accepted
	// refused: 421 4.7.0 Message submission rate for this mailbox exceeded; try again later
}
