package sqlstore

import (
	"context"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/account"

	chatuc "github.com/companionhub/companionhub/usecase/chat"
	companionuc "github.com/companionhub/companionhub/usecase/companion"
)

// ChatStore persists messages and turns, and the companion state a turn changes with them.
type ChatStore struct {
	db *DB
	chatRepos
}

var _ chatuc.Store = (*ChatStore)(nil)

// NewChatStore returns the chat store over db.
func NewChatStore(db *DB) *ChatStore {
	return &ChatStore{db: db, chatRepos: chatRepos{db.conn(db.X)}}
}

// InTx runs fn in one transaction, committing when it returns nil.
func (s *ChatStore) InTx(ctx context.Context, fn func(chatuc.Repos) error) error {
	return s.db.inTx(ctx, func(c conn) error { return fn(chatRepos{c}) })
}

type chatRepos struct{ c conn }

func (r chatRepos) Messages() chatuc.MessageRepository { return messageRepo(r) }
func (r chatRepos) Turns() chatuc.TurnRepository       { return turnRepo(r) }
func (r chatRepos) Companions() companionuc.Repository { return companionRepo(r) }

type peopleRepo struct{ c conn }

func (r chatRepos) People() chatuc.PeopleRepository { return peopleRepo(r) }

func (r peopleRepo) DisplayName(ctx context.Context, userID domain.ID) (string, error) {
	var name string
	err := r.c.get(ctx, &name, `SELECT display_name FROM users WHERE id = ?`, userID.String())
	return name, classify(err, account.ErrUserNotFound, "select display name")
}
