package kefu

import "time"

// Quota is how many messages the developer's API may still send a customer,
// and until when (docs/wechat.md#quotas): after a user message, 5 within 48 hours;
// after the user enters the chat, 2 within a minute. Quotas do not add up:
// each user action resets the count to that action's maximum and the window
// to the longer of the current one and the action's.
type Quota struct {
	Remaining int       `json:"remaining"`
	Until     time.Time `json:"until,omitzero"`
}

// UserAction is what a customer did that opens a reply window.
type UserAction int

const (
	ActionEnter   UserAction = iota // opened the chat (user_enter_tempsession)
	ActionMessage                   // sent a message
)

// Quota sizes and windows.
const (
	MessageQuota  = 5
	MessageWindow = 48 * time.Hour
	EnterQuota    = 2
	EnterWindow   = time.Minute
)

// Reset returns the quota after the customer did a at now.
func (q Quota) Reset(a UserAction, now time.Time) Quota {
	n, w := MessageQuota, MessageWindow
	if a == ActionEnter {
		n, w = EnterQuota, EnterWindow
	}
	until := now.Add(w)
	if q.Until.After(until) {
		until = q.Until
	}
	return Quota{Remaining: n, Until: until}
}

// Use spends one message of the quota, or says why it cannot: EWINDOW
// (WeChat 45015) when the window has closed, EQUOTA (45047) when the count
// is used up.
func (q Quota) Use(now time.Time) (Quota, error) {
	if q.Until.IsZero() || !now.Before(q.Until) {
		return q, Errorf(EWINDOW, "response out of time limit or subscription is canceled")
	}
	if q.Remaining <= 0 {
		return q, Errorf(EQUOTA, "out of response count limit")
	}
	q.Remaining--
	return q, nil
}
