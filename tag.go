package kefu

import (
	"context"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Tag is a label from the admin-managed list that agents put on
// conversations, to find them again and to count them.
type Tag struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	Colour string `json:"colour"` // #rrggbb
}

var tagColour = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// Validate reports the first problem with a tag, after trimming its name.
func (t *Tag) Validate() error {
	t.Name = strings.TrimSpace(t.Name)
	switch {
	case t.Name == "" || utf8.RuneCountInString(t.Name) > 32:
		return Errorf(EINVALID, "a tag's name must be 1 to 32 characters")
	case strings.ContainsAny(t.Name, ",\n\t"):
		return Errorf(EINVALID, "a tag's name cannot contain commas, tabs or line breaks")
	case !tagColour.MatchString(t.Colour):
		return Errorf(EINVALID, "a tag's colour must be written #rrggbb")
	}
	t.Colour = strings.ToLower(t.Colour)
	return nil
}

// TagTx changes the tag list and the tags of conversations.
type TagTx interface {
	CreateTag(ctx context.Context, t *Tag) error
	SaveTag(ctx context.Context, t *Tag) error
	// DeleteTag removes a tag from the list and from every conversation.
	DeleteTag(ctx context.Context, id int64) error
	// SetConversationTag puts a tag on a conversation (on true) or takes it
	// off; changed reports whether anything changed.
	SetConversationTag(ctx context.Context, conversationID, tagID int64, on bool) (changed bool, err error)
}

// TagReader reads tags.
type TagReader interface {
	Tag(ctx context.Context, id int64) (*Tag, error)
	// Tags lists every tag, by name.
	Tags(ctx context.Context) ([]*Tag, error)
	// ConversationTags lists the tags on each of the given conversations.
	ConversationTags(ctx context.Context, conversationIDs []int64) (map[int64][]int64, error)
}
