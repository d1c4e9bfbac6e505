package engine_test

import (
	"github.com/kefuhq/kefu"
	"github.com/kefuhq/kefu/engine"
)

// openRequest is Identify and Enter in one: a customer opening the chat, as
// the client API does it.
type openRequest struct {
	AppID       string
	Channel     kefu.Channel
	ExternalID  string
	OpenID      string // a WeChat user's, as the connector identifies them
	Verified    bool
	SDKVersion  string
	Name        string
	SessionFrom string
	Card        *kefu.MessageCard
}

// opened is what a test needs after a customer opened the chat.
type opened struct {
	Customer     *kefu.Customer
	Conversation *kefu.Conversation
	Event        *kefu.Message // the user_enter_tempsession event pushed to the developer
}

// openSession identifies the customer and enters the chat through the
// engine's two doors, then reads the conversation as it is after entering.
func (f *fixture) openSession(req openRequest) (*opened, error) {
	cust, c, err := f.eng.Identify(f.ctx, engine.IdentifyRequest{AppID: req.AppID, Channel: req.Channel, ExternalID: req.ExternalID,
		OpenID: req.OpenID, Verified: req.Verified, SDKVersion: req.SDKVersion, Name: req.Name})
	if err != nil {
		return nil, err
	}
	ev, err := f.eng.Enter(f.ctx, c.ID, req.SessionFrom, req.Card)
	if err != nil {
		return nil, err
	}
	if c, err = f.store.Conversation(f.ctx, c.ID); err != nil {
		return nil, err
	}
	return &opened{Customer: cust, Conversation: c, Event: ev}, nil
}
