// Package apitokenstoretest is the conformance suite of the personal access token store
// (usecase/apitoken.Store). Every implementation runs it:
//
//	func TestTokenStore(t *testing.T) {
//		apitokenstoretest.Run(t, func(t *testing.T) apitokenstoretest.Env { … })
//	}
package apitokenstoretest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/usecase/apitoken"
)

// Env is one store under test and the means to make and delete the users its rows belong to.
type Env struct {
	Store      apitoken.Store
	NewUser    func(t *testing.T) domain.ID
	DeleteUser func(t *testing.T, id domain.ID)
	// DeleteAllOf is how the account store ends a person's tokens when their password changes
	// (usecase/account.SessionRepository.DeleteAccessTokens), over the same database.
	DeleteAllOf func(ctx context.Context, userID domain.ID) (int, error)
}

// Run runs the suite; subtests run in parallel, each with its own Env.
func Run(t *testing.T, newEnv func(t *testing.T) Env) {
	t.Helper()
	for name, fn := range map[string]func(*testing.T, Env){
		"RoundTripKeepsEverything":   testRoundTrip,
		"ListIsTheOwnersNewestFirst": testList,
		"HashesAreUnique":            testUniqueHash,
		"CreateNeedsAUser":           testUnknownUser,
		"TouchRecordsTheLastUse":     testTouch,
		"DeleteIsTheOwners":          testDelete,
		"UserDeletionCascades":       testUserDeletion,
		"PasswordChangeEndsThemAll":  testDeleteAllOf,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fn(t, newEnv(t))
		})
	}
}

// base has microseconds, the precision every store keeps.
var base = time.Date(2026, 12, 6, 10, 11, 12, 345678000, time.UTC)

func at(i int) time.Time { return base.Add(time.Duration(i) * time.Second) }

// made stores a token of user's, made at when, under hash.
func made(t *testing.T, e Env, user domain.ID, when time.Time, hash string) apitoken.Token {
	t.Helper()
	tok := apitoken.Token{ID: domain.NewID(when), UserID: user, Name: "Phone " + hash, Scope: apitoken.ScopeChat,
		Hint: "chp_abcd", CreatedAt: when}
	require.NoError(t, e.Store.Create(context.Background(), tok, hash))
	return tok
}

func byHash(t *testing.T, e Env, hash string) apitoken.Token {
	t.Helper()
	tok, err := e.Store.ByHash(context.Background(), hash)
	require.NoError(t, err)
	return tok
}

func hash(s string) string { return apitoken.Hash(s) }

func testRoundTrip(t *testing.T, e Env) {
	ctx := context.Background()
	user := e.NewUser(t)
	full := apitoken.Token{ID: domain.NewID(at(1)), UserID: user, Name: "Laptop — SillyTavern", Scope: apitoken.ScopeFull,
		Hint: "chp_Zz9-", CreatedAt: at(1), ExpiresAt: at(86400)}
	require.NoError(t, e.Store.Create(ctx, full, hash("full")))
	require.Equal(t, full, byHash(t, e, hash("full")))
	forever := made(t, e, user, at(2), hash("forever"))
	got := byHash(t, e, hash("forever"))
	require.Equal(t, forever, got)
	require.True(t, got.ExpiresAt.IsZero(), "no expiry stays none")
	require.True(t, got.LastUsedAt.IsZero(), "never used")

	_, err := e.Store.ByHash(ctx, hash("unknown"))
	require.ErrorIs(t, err, apitoken.ErrNotFound)
}

func testList(t *testing.T, e Env) {
	ctx := context.Background()
	user, other := e.NewUser(t), e.NewUser(t)
	first := made(t, e, user, at(1), hash("a"))
	third := made(t, e, user, at(3), hash("c"))
	made(t, e, other, at(2), hash("theirs"))
	second := made(t, e, user, at(2), hash("b"))
	got, err := e.Store.List(ctx, user)
	require.NoError(t, err)
	require.Equal(t, []apitoken.Token{third, second, first}, got)
	none, err := e.Store.List(ctx, e.NewUser(t))
	require.NoError(t, err)
	require.Empty(t, none)
}

func testUniqueHash(t *testing.T, e Env) {
	user := e.NewUser(t)
	made(t, e, user, at(1), hash("same"))
	err := e.Store.Create(context.Background(), apitoken.Token{ID: domain.NewID(at(2)), UserID: user, Name: "Again",
		Scope: apitoken.ScopeChat, Hint: "chp_abcd", CreatedAt: at(2)}, hash("same"))
	require.True(t, domain.IsKind(err, domain.KindConflict), "%v", err)
}

func testUnknownUser(t *testing.T, e Env) {
	err := e.Store.Create(context.Background(), apitoken.Token{ID: domain.NewID(at(1)), UserID: domain.NewID(at(1)), Name: "X",
		Scope: apitoken.ScopeChat, Hint: "chp_abcd", CreatedAt: at(1)}, hash("nobody's"))
	require.True(t, domain.IsKind(err, domain.KindNotFound), "%v", err)
}

func testTouch(t *testing.T, e Env) {
	ctx := context.Background()
	user := e.NewUser(t)
	tok := made(t, e, user, at(1), hash("used"))
	made(t, e, user, at(2), hash("unused"))
	require.NoError(t, e.Store.Touch(ctx, tok.ID, at(60)))
	require.Equal(t, at(60), byHash(t, e, hash("used")).LastUsedAt)
	require.True(t, byHash(t, e, hash("unused")).LastUsedAt.IsZero(), "only that token")
	require.NoError(t, e.Store.Touch(ctx, domain.NewID(at(3)), at(61)), "a token gone since is fine")
}

func testDelete(t *testing.T, e Env) {
	ctx := context.Background()
	user, stranger := e.NewUser(t), e.NewUser(t)
	tok := made(t, e, user, at(1), hash("mine"))
	require.ErrorIs(t, e.Store.Delete(ctx, stranger, tok.ID), apitoken.ErrNotFound, "not theirs to delete")
	byHash(t, e, hash("mine"))
	require.NoError(t, e.Store.Delete(ctx, user, tok.ID))
	_, err := e.Store.ByHash(ctx, hash("mine"))
	require.ErrorIs(t, err, apitoken.ErrNotFound)
	require.ErrorIs(t, e.Store.Delete(ctx, user, tok.ID), apitoken.ErrNotFound, "twice")
}

func testUserDeletion(t *testing.T, e Env) {
	user := e.NewUser(t)
	made(t, e, user, at(1), hash("gone"))
	e.DeleteUser(t, user)
	_, err := e.Store.ByHash(context.Background(), hash("gone"))
	require.ErrorIs(t, err, apitoken.ErrNotFound, "gone with the account")
}

func testDeleteAllOf(t *testing.T, e Env) {
	ctx := context.Background()
	user, other := e.NewUser(t), e.NewUser(t)
	made(t, e, user, at(1), hash("one"))
	made(t, e, user, at(2), hash("two"))
	made(t, e, other, at(3), hash("theirs"))
	n, err := e.DeleteAllOf(ctx, user)
	require.NoError(t, err)
	require.Equal(t, 2, n)
	for _, h := range []string{hash("one"), hash("two")} {
		_, err := e.Store.ByHash(ctx, h)
		require.ErrorIs(t, err, apitoken.ErrNotFound)
	}
	byHash(t, e, hash("theirs"))
	n, err = e.DeleteAllOf(ctx, user)
	require.NoError(t, err)
	require.Zero(t, n, "none left")
}
