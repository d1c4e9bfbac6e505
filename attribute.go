package kefu

import (
	"context"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// AttributeType is the kind of value a custom attribute holds.
type AttributeType string

// The attribute types.
const (
	AttrText   AttributeType = "text"
	AttrNumber AttributeType = "number"
	AttrDate   AttributeType = "date"   // a calendar day, 2006-01-02
	AttrChoice AttributeType = "choice" // one of Options
)

// Attribute is an admin-defined field of customers, such as a VIP level or
// an order count, that agents edit in the workspace and the developer sets
// through /cgi-bin/kefu/customer/attributes.
type Attribute struct {
	ID      int64         `json:"id"`
	Key     string        `json:"key"` // how the API names it: vip_level
	Label   string        `json:"label"`
	Type    AttributeType `json:"type"`
	Options []string      `json:"options,omitempty"` // the choices of a choice
}

var attributeKey = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)

// Validate reports the first problem with an attribute's definition.
func (a *Attribute) Validate() error {
	a.Label = strings.TrimSpace(a.Label)
	switch {
	case !attributeKey.MatchString(a.Key):
		return Errorf(EINVALID, "an attribute's key must be 1 to 32 lowercase letters, digits or underscores, starting with a letter")
	case a.Label == "" || utf8.RuneCountInString(a.Label) > 64:
		return Errorf(EINVALID, "an attribute's label must be 1 to 64 characters")
	}
	switch a.Type {
	case AttrText, AttrNumber, AttrDate:
		if len(a.Options) > 0 {
			return Errorf(EINVALID, "only a choice attribute has options")
		}
	case AttrChoice:
		if len(a.Options) == 0 || len(a.Options) > 50 {
			return Errorf(EINVALID, "a choice attribute needs 1 to 50 options")
		}
		for i, o := range a.Options {
			o = strings.TrimSpace(o)
			if o == "" || utf8.RuneCountInString(o) > 64 {
				return Errorf(EINVALID, "each option must be 1 to 64 characters")
			}
			if slices.Contains(a.Options[:i], o) {
				return Errorf(EINVALID, "the option %q is listed twice", o)
			}
			a.Options[i] = o
		}
	default:
		return Errorf(EINVALID, "an attribute's type is text, number, date or choice")
	}
	return nil
}

// MaxAttributeText is the longest text value, in characters.
const MaxAttributeText = 256

// Normalize checks a value for the attribute and returns it in the form it
// is stored and shown in: numbers without redundant digits, dates as
// 2006-01-02. The empty string clears the value and is always valid.
func (a *Attribute) Normalize(v string) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", nil
	}
	switch a.Type {
	case AttrText:
		if utf8.RuneCountInString(v) > MaxAttributeText {
			return "", Errorf(EINVALID, "%s: at most %d characters", a.Key, MaxAttributeText)
		}
		return v, nil
	case AttrNumber:
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f != f || f > 1e15 || f < -1e15 {
			return "", Errorf(EINVALID, "%s: %q is not a number", a.Key, v)
		}
		return strconv.FormatFloat(f, 'f', -1, 64), nil
	case AttrDate:
		d, err := time.Parse(time.DateOnly, v)
		if err != nil {
			return "", Errorf(EINVALID, "%s: %q is not a date written 2006-01-02", a.Key, v)
		}
		return d.Format(time.DateOnly), nil
	case AttrChoice:
		if !slices.Contains(a.Options, v) {
			return "", Errorf(EINVALID, "%s: %q is not one of its options", a.Key, v)
		}
		return v, nil
	}
	return "", Errorf(EINVALID, "%s: unknown type", a.Key)
}

// AttributeTx changes attribute definitions and customers' values.
type AttributeTx interface {
	CreateAttribute(ctx context.Context, a *Attribute) error
	SaveAttribute(ctx context.Context, a *Attribute) error
	// DeleteAttribute removes a definition and every customer's value of it.
	DeleteAttribute(ctx context.Context, id int64) error
	// SetCustomerAttribute stores a customer's value (already normalized);
	// the empty string removes it.
	SetCustomerAttribute(ctx context.Context, customerID, attributeID int64, value string) error
}

// AttributeReader reads attribute definitions and values.
type AttributeReader interface {
	Attribute(ctx context.Context, id int64) (*Attribute, error)
	// Attributes lists every definition, in creation order.
	Attributes(ctx context.Context) ([]*Attribute, error)
	// CustomerAttributes is a customer's values, by attribute key.
	CustomerAttributes(ctx context.Context, customerID int64) (map[string]string, error)
}
