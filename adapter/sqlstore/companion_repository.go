package sqlstore

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/domain/media"
	"github.com/companionhub/companionhub/internal/companionjson"
)

type companionRepo struct{ c conn }

type companionRow struct {
	ID                string   `db:"id"`
	OwnerID           string   `db:"owner_id"`
	Profile           []byte   `db:"profile"`
	CardCharacterBook *string  `db:"card_character_book"`
	CardExtensions    *string  `db:"card_extensions"`
	CardExtra         *string  `db:"card_extra"`
	CardTop           *string  `db:"card_top"`
	Visibility        string   `db:"visibility"`
	SceneOutfit       []byte   `db:"scene_outfit"`
	SceneLocation     string   `db:"scene_location"`
	SceneAction       string   `db:"scene_action"`
	SceneMood         string   `db:"scene_mood"`
	SceneUserPresent  bool     `db:"scene_user_present"`
	Affection         int      `db:"affection"`
	Trust             int      `db:"trust"`
	AutoImage         bool     `db:"setting_auto_image"`
	Voice             bool     `db:"setting_voice"`
	Memory            bool     `db:"setting_memory"`
	DeepThink         bool     `db:"setting_deep_think"`
	HeaderKey         *string  `db:"header_key"`
	HeaderContentType *string  `db:"header_content_type"`
	HeaderBytes       *int64   `db:"header_bytes"`
	HeaderWidth       *int     `db:"header_width"`
	HeaderHeight      *int     `db:"header_height"`
	CreatedAt         nullTime `db:"created_at"`
	UpdatedAt         nullTime `db:"updated_at"`
	DeletedAt         nullTime `db:"deleted_at"`
}

const companionColumns = `id, owner_id, profile, card_character_book, card_extensions, card_extra, card_top,
	visibility, scene_outfit, scene_location, scene_action, scene_mood, scene_user_present, affection, trust,
	setting_auto_image, setting_voice, setting_memory, setting_deep_think, header_key, header_content_type, header_bytes, header_width, header_height, created_at, updated_at, deleted_at`

// companionColumnsOf is companionColumns of the companions table under alias, for queries that join it.
func companionColumnsOf(alias string) string {
	cols := strings.Split(companionColumns, ",")
	for i, c := range cols {
		cols[i] = alias + "." + strings.TrimSpace(c)
	}
	return strings.Join(cols, ", ")
}

// values are the columns of c, in the order of the INSERT and UPDATE statements below.
func (r companionRepo) values(c *companion.Companion) ([]any, error) {
	spec := c.Profile().Spec()
	card := spec.Card
	spec.Card = companion.CardData{} // kept verbatim in their own columns
	profile, err := companionjson.Marshal(companionjson.FromSpec(spec))
	if err != nil {
		return nil, domain.Errorf(domain.KindInternal, "encode profile: %w", err)
	}
	scene := c.Scene()
	outfit, err := json.Marshal(nonNil(scene.Outfit))
	if err != nil {
		return nil, domain.Errorf(domain.KindInternal, "encode outfit: %w", err)
	}
	h := c.Header()
	var hk, hct any
	var hb, hw, hh any
	if !h.IsZero() {
		hk, hct, hb, hw, hh = h.Key.String(), h.ContentType.String(), h.Bytes, h.Width, h.Height
	}
	rel := c.Relationship()
	set := c.Settings()
	return []any{
		spec.Name, spec.Age, spec.Appearance.Style.String(), spec.ContentRating.String(), spec.Persona.Archetype,
		spec.Persona.RelationshipToUser, spec.Persona.Occupation, c.Visibility().String(), string(profile),
		text(card.CharacterBook), text(card.Extensions), text(card.Extra), text(card.Top),
		string(outfit), scene.Location, scene.Action, scene.Mood.String(), scene.UserPresent, rel.Affection, rel.Trust,
		set.AutoImage, set.Voice, set.Memory, set.DeepThink, hk, hct, hb, hw, hh, r.c.t(c.CreatedAt()), r.c.t(c.UpdatedAt()), r.c.t(c.DeletedAt()),
	}, nil
}

func (r companionRepo) Create(ctx context.Context, c *companion.Companion) error {
	vals, err := r.values(c)
	if err != nil {
		return err
	}
	_, err = r.c.exec(ctx, `INSERT INTO companions (id, owner_id, name, age, art_style, content_rating, archetype,
		relationship_to_user, occupation, visibility, profile, card_character_book, card_extensions, card_extra,
		card_top, scene_outfit, scene_location, scene_action, scene_mood, scene_user_present, affection, trust,
		setting_auto_image, setting_voice, setting_memory, setting_deep_think, header_key, header_content_type,
		header_bytes, header_width, header_height, created_at, updated_at, deleted_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		append([]any{c.ID().String(), c.OwnerID().String()}, vals...)...)
	if err != nil && isForeignKeyViolation(err) {
		return domain.Errorf(domain.KindNotFound, "companion %s: owner does not exist", c.ID())
	}
	if _, dup := uniqueViolation(err); dup {
		return domain.Errorf(domain.KindConflict, "companion %s exists", c.ID())
	}
	return classify(err, nil, "insert companion")
}

func (r companionRepo) Update(ctx context.Context, c *companion.Companion) error {
	vals, err := r.values(c)
	if err != nil {
		return err
	}
	n, err := r.c.exec(ctx, `UPDATE companions SET name = ?, age = ?, art_style = ?, content_rating = ?,
		archetype = ?, relationship_to_user = ?, occupation = ?, visibility = ?, profile = ?,
		card_character_book = ?, card_extensions = ?, card_extra = ?, card_top = ?, scene_outfit = ?,
		scene_location = ?, scene_action = ?, scene_mood = ?, scene_user_present = ?, affection = ?, trust = ?,
		setting_auto_image = ?, setting_voice = ?, setting_memory = ?, setting_deep_think = ?, header_key = ?, header_content_type = ?, header_bytes = ?, header_width = ?, header_height = ?,
		created_at = ?, updated_at = ?, deleted_at = ? WHERE id = ? AND owner_id = ?`,
		append(vals, c.ID().String(), c.OwnerID().String())...)
	if err != nil {
		return classify(err, nil, "update companion")
	}
	if n == 0 {
		return companion.ErrNotFound
	}
	return nil
}

func (r companionRepo) one(ctx context.Context, query string, args ...any) (*companion.Companion, error) {
	var row companionRow
	if err := r.c.get(ctx, &row, `SELECT `+companionColumns+` FROM companions WHERE `+query, args...); err != nil {
		return nil, classify(err, companion.ErrNotFound, "select companion")
	}
	return row.companion()
}

func (r companionRepo) Get(ctx context.Context, owner, id domain.ID) (*companion.Companion, error) {
	return r.one(ctx, `id = ? AND owner_id = ?`, id.String(), owner.String())
}

func (r companionRepo) GetForUpdate(ctx context.Context, owner, id domain.ID) (*companion.Companion, error) {
	return r.one(ctx, `id = ? AND owner_id = ?`+r.c.forUpdate(), id.String(), owner.String())
}

func (r companionRepo) List(ctx context.Context, owner domain.ID, trashed bool, p domain.Page) ([]*companion.Companion, domain.Cursor, error) {
	query := `SELECT ` + companionColumns + ` FROM companions WHERE owner_id = ? AND deleted_at IS NULL`
	if trashed {
		query = `SELECT ` + companionColumns + ` FROM companions WHERE owner_id = ? AND deleted_at IS NOT NULL`
	}
	args := []any{owner.String()}
	if !p.After.IsZero() {
		query += ` AND (created_at < ? OR (created_at = ? AND id < ?))`
		args = append(args, r.c.t(p.After.At), r.c.t(p.After.At), p.After.ID.String())
	}
	query += ` ORDER BY created_at DESC, id DESC LIMIT ?`
	items, err := r.many(ctx, query, append(args, p.Limit+1)...)
	if err != nil {
		return nil, domain.Cursor{}, err
	}
	page, next := domain.Paginate(items, p, func(c *companion.Companion) domain.Cursor {
		return domain.Cursor{At: c.CreatedAt(), ID: c.ID()}
	})
	return page, next, nil
}

func (r companionRepo) ListTrashedBefore(ctx context.Context, before time.Time, after domain.Cursor, limit int) ([]*companion.Companion, error) {
	query := `SELECT ` + companionColumns + ` FROM companions WHERE deleted_at IS NOT NULL AND deleted_at < ?`
	args := []any{r.c.t(before)}
	if !after.IsZero() {
		query += ` AND (deleted_at > ? OR (deleted_at = ? AND id > ?))`
		args = append(args, r.c.t(after.At), r.c.t(after.At), after.ID.String())
	}
	return r.many(ctx, query+` ORDER BY deleted_at, id LIMIT ?`, append(args, limit)...)
}

func (r companionRepo) many(ctx context.Context, query string, args ...any) ([]*companion.Companion, error) {
	var rows []companionRow
	if err := r.c.sel(ctx, &rows, query, args...); err != nil {
		return nil, classify(err, nil, "list companions")
	}
	out := make([]*companion.Companion, 0, len(rows))
	for _, row := range rows {
		c, err := row.companion()
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

func (r companionRepo) Delete(ctx context.Context, id domain.ID) error {
	_, err := r.c.exec(ctx, `DELETE FROM companions WHERE id = ?`, id.String())
	return classify(err, nil, "delete companion")
}

// companion rebuilds the aggregate; a row that does not decode is corruption, so internal.
func (row companionRow) companion() (*companion.Companion, error) {
	corrupt := func(what string, err error) error {
		return domain.Errorf(domain.KindInternal, "companion %s: stored %s: %w", row.ID, what, err)
	}
	id, err := parseID(row.ID)
	if err != nil {
		return nil, err
	}
	owner, err := parseID(row.OwnerID)
	if err != nil {
		return nil, err
	}
	var doc companionjson.Profile
	if err := json.Unmarshal(row.Profile, &doc); err != nil {
		return nil, corrupt("profile", err)
	}
	spec, err := doc.Spec()
	if err != nil {
		return nil, corrupt("profile", err)
	}
	spec.Card = companion.CardData{CharacterBook: bytesOf(row.CardCharacterBook), Extensions: bytesOf(row.CardExtensions),
		Extra: bytesOf(row.CardExtra), Top: bytesOf(row.CardTop)}
	var outfit []string
	if err := json.Unmarshal(row.SceneOutfit, &outfit); err != nil {
		return nil, corrupt("outfit", err)
	}
	mood, err := companion.ParseMood("scene.mood", row.SceneMood)
	if err != nil {
		return nil, corrupt("mood", err)
	}
	vis, err := companion.ParseVisibility("visibility", row.Visibility)
	if err != nil {
		return nil, corrupt("visibility", err)
	}
	header, err := imageFrom(corrupt, "header", row.HeaderKey, row.HeaderContentType, row.HeaderBytes, row.HeaderWidth, row.HeaderHeight)
	if err != nil {
		return nil, err
	}
	scene := companion.Scene{Outfit: outfit, Location: row.SceneLocation, Action: row.SceneAction, Mood: mood,
		UserPresent: row.SceneUserPresent}
	rel := companion.Relationship{Affection: row.Affection, Trust: row.Trust}
	set := companion.Settings{AutoImage: row.AutoImage, Voice: row.Voice, Memory: row.Memory, DeepThink: row.DeepThink}
	return companion.Hydrate(id, owner, spec, scene, rel, set, header, vis, row.CreatedAt.Time, row.UpdatedAt.Time,
		row.DeletedAt.Time), nil
}

func text(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return string(b)
}

func bytesOf(s *string) []byte {
	if s == nil {
		return nil
	}
	return []byte(*s)
}

// imageFrom reads a picture kept in nullable columns (what names it to corrupt, which reports a
// stored value that does not decode); a row without a key has none.
func imageFrom(corrupt func(string, error) error, what string, key, contentType *string, size *int64, width, height *int) (media.Image, error) {
	if key == nil {
		return media.Image{}, nil
	}
	k, err := media.ParseKey(*key)
	if err != nil {
		return media.Image{}, corrupt(what+" key", err)
	}
	ct, err := media.ParseContentType(deref(contentType))
	if err != nil {
		return media.Image{}, corrupt(what+" type", err)
	}
	return media.Image{Key: k, ContentType: ct, Bytes: deref(size), Width: deref(width), Height: deref(height)}, nil
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
