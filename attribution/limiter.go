package attribution

import (
	"strings"
	"sync"
	"time"
)

// Limits are the client-submission limits of one mailbox.
type Limits struct {
	// MessagesPerMinute is the number of messages accepted in any rolling
	// 60 seconds; 0 means no limit.
	MessagesPerMinute int
	// RecipientsPerDay is the number of recipients accepted in any rolling
	// 24 hours, counted in one-minute steps; 0 means no limit.
	RecipientsPerDay int
}

// DefaultLimits are Exchange Online's SMTP AUTH submission limits: 30
// messages a minute and 10,000 recipients a day per mailbox.
var DefaultLimits = Limits{MessagesPerMinute: 30, RecipientsPerDay: 10_000}

// Limiter enforces [Limits] per mailbox for client submission.
//
// A Limiter is safe for concurrent use. Create one with [NewLimiter]; the
// zero Limiter is not usable. It keeps state only for mailboxes that sent
// within the last day, and [Limiter.Prune] drops the rest.
type Limiter struct {
	limits Limits
	now    func() time.Time

	mu    sync.Mutex
	boxes map[string]*mailboxUsage
}

// mailboxUsage is what one mailbox sent recently.
type mailboxUsage struct {
	sends      []time.Time   // accepted messages of the last minute, oldest first
	minutes    []minuteCount // recipients per minute of the last day, oldest first
	recipients int           // sum of minutes[].n
}

type minuteCount struct {
	minute int64 // Unix minute
	n      int
}

// LimiterOption configures a Limiter.
type LimiterOption func(*Limiter)

// WithClock makes the Limiter read the time from now instead of
// time.Now; tests use it to move time by hand.
func WithClock(now func() time.Time) LimiterOption {
	return func(l *Limiter) { l.now = now }
}

// NewLimiter returns a Limiter enforcing limits.
func NewLimiter(limits Limits, opts ...LimiterOption) *Limiter {
	l := &Limiter{limits: limits, now: time.Now, boxes: make(map[string]*mailboxUsage)}
	for _, o := range opts {
		o(l)
	}
	return l
}

// Allow records a message from mailbox with the given number of
// recipients and reports whether it is within the limits. A refused
// message is not counted; the Reply says which limit it hit. Mailbox names
// are compared without regard to ASCII case.
func (l *Limiter) Allow(mailbox string, recipients int) (Reply, bool) {
	now := l.now()
	key := strings.ToLower(mailbox)

	l.mu.Lock()
	defer l.mu.Unlock()
	u := l.boxes[key]
	if u == nil {
		u = &mailboxUsage{}
		l.boxes[key] = u
	}
	u.expire(now)
	if l.limits.MessagesPerMinute > 0 && len(u.sends) >= l.limits.MessagesPerMinute {
		return ReplyRateLimited, false
	}
	if l.limits.RecipientsPerDay > 0 && u.recipients+recipients > l.limits.RecipientsPerDay {
		return ReplyRecipientQuota, false
	}
	u.sends = append(u.sends, now)
	m := now.Unix() / 60
	if n := len(u.minutes); n > 0 && u.minutes[n-1].minute == m {
		u.minutes[n-1].n += recipients
	} else {
		u.minutes = append(u.minutes, minuteCount{m, recipients})
	}
	u.recipients += recipients
	return Reply{}, true
}

// expire forgets sends older than a minute and recipient counts older than
// a day.
func (u *mailboxUsage) expire(now time.Time) {
	cut := now.Add(-time.Minute)
	i := 0
	for i < len(u.sends) && !u.sends[i].After(cut) {
		i++
	}
	u.sends = append(u.sends[:0], u.sends[i:]...)

	oldest := now.Unix()/60 - 24*60 // minutes at or before this are out of the window
	j := 0
	for j < len(u.minutes) && u.minutes[j].minute <= oldest {
		u.recipients -= u.minutes[j].n
		j++
	}
	u.minutes = append(u.minutes[:0], u.minutes[j:]...)
}

// Prune drops the state of mailboxes that sent nothing within the last
// day. Call it now and then (say, every few minutes) on a long-running
// service.
func (l *Limiter) Prune() {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	for k, u := range l.boxes {
		u.expire(now)
		if len(u.sends) == 0 && len(u.minutes) == 0 {
			delete(l.boxes, k)
		}
	}
}

// Len returns the number of mailboxes the Limiter holds state for.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.boxes)
}
