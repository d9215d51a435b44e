package main

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/lib/pq"

	"github.com/companionhub/companionhub/adapter/hashembed"
	"github.com/companionhub/companionhub/adapter/sqlstore"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/account"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/domain/memory"
	memoryuc "github.com/companionhub/companionhub/usecase/memory"
)

// The memory section's data (memory.go): memories as extraction writes them — a short timeless
// sentence about the person, with a category and an importance — made from templates whose slots
// are drawn from word lists, so that a sentence a person writes (memQuery) shares words with tens
// to hundreds of a companion's 10 000 memories: a relative's name with the ones naming them, a
// city with the ones set there, "sister" with every sister's. Everything is drawn from seeded
// generators: every run, and both databases, hold the same memories.

// memTemplate is one kind of memory: its text with {slot}s, its category, its importance range.
type memTemplate struct {
	text     string
	category memory.Category
	imp      [2]int // importance from imp[0] to imp[1]
}

var memTemplates = []memTemplate{
	{"Has a {R} named {N} who lives in {C}", memory.PersonalFact, [2]int{6, 9}},
	{"Works as a {J} at a {V} in {C}", memory.PersonalFact, [2]int{6, 8}},
	{"Grew up in {C} and moved to {C} in {Y}", memory.PersonalFact, [2]int{5, 8}},
	{"Their {R} {N} works as a {J}", memory.PersonalFact, [2]int{5, 7}},
	{"Has a {P} called {N} who hates the {O}", memory.PersonalFact, [2]int{6, 8}},
	{"Was born in {M} {Y} in a small town near {C}", memory.PersonalFact, [2]int{7, 9}},
	{"Shares a flat in {C} with their {R} {N}", memory.PersonalFact, [2]int{5, 7}},
	{"Studied to become a {J} before switching to {A}", memory.PersonalFact, [2]int{4, 6}},
	{"Keeps the {O} their {R} gave them on the desk", memory.PersonalFact, [2]int{4, 6}},
	{"Loves {F} and drinks {D} every morning", memory.Preference, [2]int{4, 6}},
	{"Cannot stand {F}, especially the one at the {V}", memory.Preference, [2]int{4, 5}},
	{"Listens to {G} music while {A}", memory.Preference, [2]int{4, 6}},
	{"Likes {A} on {W} mornings with {N}", memory.Preference, [2]int{4, 6}},
	{"Favourite meal is {F} with {F} and a glass of {D}", memory.Preference, [2]int{4, 6}},
	{"Would rather read {G} novels than go {A}", memory.Preference, [2]int{4, 5}},
	{"Always orders {D} at the {V} near home", memory.Preference, [2]int{4, 5}},
	{"Is visiting {N} in {C} next {M}", memory.Event, [2]int{5, 8}},
	{"Has a job interview as a {J} on {W}", memory.Event, [2]int{6, 9}},
	{"Went {A} with {N} near {C} last {M}", memory.Event, [2]int{4, 6}},
	{"Their {R} {N} is getting married in {M}", memory.Event, [2]int{6, 9}},
	{"Started {A} lessons at a {V} in {Y}", memory.Event, [2]int{4, 6}},
	{"Is moving to {C} with {N} in {M}", memory.Event, [2]int{7, 9}},
	{"Lost their {O} on the way to the {V} on {W}", memory.Event, [2]int{4, 5}},
	{"Ran a race in {C} and finished after {K} hours", memory.Event, [2]int{5, 7}},
	{"Told the companion about {N} for the first time on a {W}", memory.Relationship, [2]int{5, 7}},
	{"Likes talking with the companion about {A} and {G} music", memory.Relationship, [2]int{4, 6}},
	{"Promised to show the companion photos of {C}", memory.Relationship, [2]int{4, 6}},
	{"Asked the companion to remind them of {N}'s birthday in {M}", memory.Relationship, [2]int{6, 8}},
	{"Trusts the companion with secrets about their {R} {N}", memory.Relationship, [2]int{6, 8}},
	{"Felt {E} when {N} left {C}", memory.EmotionalMoment, [2]int{5, 8}},
	{"Cried about their {P} {N} on a {W} night", memory.EmotionalMoment, [2]int{6, 8}},
	{"Was {E} after the argument with their {R} {N}", memory.EmotionalMoment, [2]int{5, 8}},
	{"Felt {E} and proud after finishing the {A} course", memory.EmotionalMoment, [2]int{5, 7}},
	{"Laughed for an hour about {N} and the {O}", memory.EmotionalMoment, [2]int{4, 6}},
}

// memQueries are what a person writes, 8 to 15 words each once the slots are filled.
var memQueries = []string{
	"My {R} {N} just called, she says hi from {C}!",
	"I think I'll make {F} tonight, do you want to help me cook?",
	"Do you remember where {N} moved to after leaving {C} last year?",
	"I went {A} again this morning and now my legs really hurt",
	"Work at the {V} was exhausting today, my boss kept shouting at everyone",
	"What should I get {N} for their birthday in {M}, any ideas?",
	"I feel so {E} today, nothing went right at work or at home",
	"Can you believe my {P} chewed up my favourite {O} again this morning?",
	"We should plan a trip to {C} when the weather gets warmer in {M}",
	"I had a cup of {D} and thought about you all afternoon",
	"My interview for the {J} position is on {W} and I am nervous",
	"I miss {N} and {C} so much, tell me something nice please",
	"I started listening to {G} music again, it reminds me of my {R}",
	"Guess who I ran into at the {V} today? {N}, after all these years!",
	"Should I take up {A} on {W} evenings, or is that a silly idea?",
	"My {R} wants to open a {V} in {C}, is that crazy?",
	"I burnt the {F} again, maybe I should just order {F} instead",
	"{N} finally said yes, we are going to {C} together in {M}!",
}

// memSlots are the words a slot takes.
var memSlots = map[byte][]string{
	'N': strings.Fields(`Zelda Ava Liam Noah Emma Olivia Mia Lucas Hugo Lea Chloe Nina Oscar Felix Ines Jonas Clara Elias
		Marta Pablo Sofia Mateo Yuki Haruto Aiko Kenji Priya Arjun Leila Omar Amira Tariq Ingrid Sven Astrid Lars Freya Bjorn
		Niamh Ciaran Siobhan Declan Rosa Diego Lucia Javier Camila Thiago Valentina Santiago Anya Dmitri Katya Ivan Mila Pavel
		Greta Hans Lotte Emil Jana Tomas Zofia Piotr Ada Milan Eva Karel Hana Jakub Nora Erik Signe Tove Iris Ruben Fleur Daan
		Sanne Bram Maud Joost Ayla Emre Zeynep Can Selin Deniz Mira Rafael Beatriz Tiago Leonor Duarte Mariana Goncalo Chiara
		Marco Giulia Luca Francesca Matteo Alessia Paolo Elena Nico Thea Jasper Wren Hazel Silas Ivy Rowan Juniper Atlas Cleo
		Milo Luna Otis Pearl Ezra Maeve Theo Alma Caspar Edie Arlo Rosie Bodhi Fern Jude Poppy Rhys Isla Finn Elsie Kit Tilly
		Ansel Marigold Idris Coral Linus Opal Bastian Wilhelmina Quentin Ottilie Barnaby Clementine`),
	'R': strings.Fields(`sister brother mother father cousin aunt uncle grandmother grandfather friend colleague neighbour
		boss roommate daughter son niece nephew partner godmother`),
	'C': strings.Fields(`Lyon Paris Berlin Madrid Lisbon Rome Vienna Prague Warsaw Oslo Stockholm Helsinki Dublin Edinburgh
		Glasgow Manchester Leeds Bristol Cardiff Brussels Antwerp Amsterdam Rotterdam Utrecht Hamburg Munich Cologne Zurich
		Geneva Basel Milan Turin Naples Florence Venice Bologna Seville Valencia Bilbao Porto Marseille Toulouse Bordeaux
		Nantes Lille Strasbourg Nice Copenhagen Aarhus Gothenburg Bergen Reykjavik Tallinn Riga Vilnius Krakow Gdansk Budapest
		Bratislava Ljubljana Zagreb Athens Thessaloniki Istanbul Ankara Cairo Marrakesh Tunis Nairobi Lagos Accra Cape Durban
		Mumbai Delhi Bangalore Chennai Kolkata Tokyo Osaka Kyoto Sapporo Seoul Busan Taipei Shanghai Beijing Singapore Jakarta
		Manila Bangkok Hanoi Sydney Melbourne Brisbane Perth Auckland Wellington Toronto Montreal Vancouver Calgary Chicago
		Boston Seattle Portland Denver Austin Dallas Houston Atlanta Miami Lima Bogota Quito Santiago Montevideo Havana`),
	'F': strings.Fields(`pizza sushi ramen lasagne risotto paella tacos burritos curry dumplings pancakes waffles croissants
		bagels hummus falafel couscous goulash borscht pierogi schnitzel moussaka gnocchi ravioli tortellini carbonara pesto
		kimchi bibimbap pho bao tempura udon soba gyoza samosas biryani dal naan chapati tagine shakshuka ceviche empanadas
		arepas churros tiramisu cheesecake brownies muffins scones crumpets porridge granola omelettes quiche ratatouille
		bouillabaisse fondue raclette pretzels sauerkraut herring meatballs lentils chickpeas aubergine mushrooms olives
		anchovies mackerel salmon tuna oysters mussels prawns squid lamb`),
	'D': strings.Fields(`coffee espresso cappuccino latte tea matcha chai cocoa lemonade kombucha cider beer wine whisky
		gin rum vodka sake juice smoothies milkshakes kefir mate soda water`),
	'A': strings.Fields(`hiking running cycling swimming climbing skating skiing surfing sailing rowing kayaking fishing
		gardening painting drawing knitting sewing pottery baking cooking dancing singing drumming juggling boxing fencing
		archery yoga pilates meditating photography birdwatching stargazing camping chess poker writing journaling reading
		woodworking calligraphy origami quilting beekeeping foraging sketching skateboarding snowboarding volunteering
		gaming coding tinkering crocheting embroidery carving tennis badminton squash golf bowling`),
	'J': strings.Fields(`nurse teacher baker barista plumber electrician carpenter architect engineer accountant lawyer
		doctor dentist pharmacist librarian journalist photographer designer programmer translator chef waiter cashier
		mechanic pilot firefighter paramedic veterinarian gardener florist tailor butcher fishmonger courier driver
		receptionist secretary manager consultant researcher scientist biologist chemist physicist astronomer historian
		archivist curator sculptor musician violinist cellist drummer actor dancer tutor midwife surveyor`),
	'P': strings.Fields(`cat dog rabbit hamster parrot tortoise goldfish ferret hedgehog budgie gecko snake horse pony
		donkey goat chicken duck lizard axolotl`),
	'O': strings.Fields(`umbrella scarf keys wallet watch ring necklace bracelet notebook diary camera guitar violin
		ukulele harmonica bicycle helmet backpack suitcase lamp mirror clock kettle teapot mug vase candle blanket pillow
		sweater jacket boots sneakers sunglasses headphones phone laptop tablet charger map compass lantern telescope
		binoculars globe puzzle kite sketchbook paintbrush`),
	'E': strings.Fields(`heartbroken furious lonely anxious ashamed betrayed relieved overjoyed grateful nervous
		exhausted hopeful jealous embarrassed homesick scared proud confused guilty bitter devastated elated restless
		insecure calm nostalgic giddy stubborn wistful numb`),
	'M': strings.Fields(`January February March April May June July August September October November December`),
	'W': strings.Fields(`Monday Tuesday Wednesday Thursday Friday Saturday Sunday`),
	'V': strings.Fields(`bakery library gym cafe bookshop hospital school museum theatre cinema pharmacy supermarket
		market restaurant pub hotel office studio garage clinic pool park harbour station airport gallery church temple
		warehouse factory laboratory brewery vineyard farm stable bar diner bistro salon`),
	'G': strings.Fields(`jazz blues rock punk metal folk country soul funk disco techno house reggae ska opera classical
		ambient grunge indie gospel flamenco salsa tango bossa fantasy`),
}

// memFill fills a template's slots from r. Years are 1975–2025, K 2–9.
func memFill(r *rand.Rand, text string) string {
	var b strings.Builder
	for i := 0; i < len(text); i++ {
		if text[i] != '{' || i+2 >= len(text) || text[i+2] != '}' {
			b.WriteByte(text[i])
			continue
		}
		switch k := text[i+1]; k {
		case 'Y':
			fmt.Fprint(&b, 1975+r.IntN(51))
		case 'K':
			fmt.Fprint(&b, 2+r.IntN(8))
		default:
			words := memSlots[k]
			b.WriteString(words[r.IntN(len(words))])
		}
		i += 2
	}
	return b.String()
}

// memGen is one companion's generated memory, with its vector.
type memGen struct {
	m      memory.Memory
	vector memoryuc.Vector
}

// memTexts draws a memory text for a companion that it does not have yet (keys in have), and
// records it there.
func memTexts(r *rand.Rand, have map[string]bool) (string, memory.Category, int) {
	for {
		t := memTemplates[r.IntN(len(memTemplates))]
		text := memFill(r, t.text)
		k := memory.Key(text)
		if have[k] {
			continue
		}
		have[k] = true
		return text, t.category, t.imp[0] + r.IntN(t.imp[1]-t.imp[0]+1)
	}
}

// memCompanionData generates n memories of a companion, created over the two years before end (in
// time order, so their version 7 ids follow their creation as the hub's do), pinned of them pinned;
// each learnt from one message. Their owner and companion are left for the loader to set. It
// returns the memories and the keys of their texts.
func memCompanionData(seed uint64, n, pinned int, end time.Time, emb *hashembed.Embedder) ([]memGen, map[string]bool, error) {
	r := rand.New(rand.NewPCG(seed, 0x6d656d6f7279))
	have := map[string]bool{}
	out := make([]memGen, n)
	texts := make([]string, n)
	span := 730 * 24 * time.Hour
	for i := range out {
		at := end.Add(-span + time.Duration(float64(span)*float64(i)/float64(n))).Add(time.Duration(r.IntN(3600)) * time.Second)
		text, cat, imp := memTexts(r, have)
		pin := pinned > 0 && (i+1)%(n/pinned) == 0 // spread over the two years
		m, err := memory.New(domain.NewID(at), domain.ID{}, domain.ID{}, memory.Spec{Text: text, Category: cat, Importance: imp, Pinned: pin},
			[]domain.ID{domain.NewID(at.Add(-3 * time.Second))}, at)
		if err != nil {
			return nil, nil, fmt.Errorf("memory %q: %w", text, err)
		}
		m.CreatedAt, m.UpdatedAt = m.CreatedAt.UTC().Truncate(time.Microsecond), m.UpdatedAt.UTC().Truncate(time.Microsecond)
		out[i].m, texts[i] = m, text
	}
	vs, err := emb.Embed(context.Background(), texts)
	if err != nil {
		return nil, nil, err
	}
	for i := range out {
		out[i].vector = vs[i]
	}
	return out, have, nil
}

// memQuerySet draws n queries (what a person writes).
func memQuerySet(seed uint64, n int) []string {
	r := rand.New(rand.NewPCG(seed, 0x7175657279))
	out := make([]string, n)
	for i := range out {
		out[i] = memFill(r, memQueries[i%len(memQueries)])
	}
	return out
}

// memOwner makes the k-th bench user.
func memOwner(ctx context.Context, accounts *sqlstore.AccountStore, k int, now time.Time) (domain.ID, error) {
	email, err := account.NewEmail(fmt.Sprintf("bench-memory-%d@example.test", k))
	if err != nil {
		return domain.ID{}, err
	}
	name, err := account.NewUsername(fmt.Sprintf("bench_memory_%d", k))
	if err != nil {
		return domain.ID{}, err
	}
	dn, err := account.NewDisplayName(fmt.Sprintf("Memory %d", k))
	if err != nil {
		return domain.ID{}, err
	}
	hash, err := account.NewPasswordHash("$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaA")
	if err != nil {
		return domain.ID{}, err
	}
	u, err := account.NewUser(domain.NewID(now), email, name, dn, hash, now)
	if err != nil {
		return domain.ID{}, err
	}
	return u.ID(), accounts.Users().Create(ctx, u)
}

// memCompanion makes a companion of owner's.
func memCompanion(ctx context.Context, companions *sqlstore.CompanionStore, owner domain.ID, name string, now time.Time) (domain.ID, error) {
	p, err := companion.NewProfile(companion.ProfileSpec{Name: name, Age: 30})
	if err != nil {
		return domain.ID{}, err
	}
	c := companion.New(domain.NewID(now), owner, p, now)
	return c.ID(), companions.Companions().Create(ctx, c)
}

// memInsert writes memories and, when withVectors, their vectors by embedder, in one transaction:
// on SQLite with prepared INSERTs (the full-text index follows through its trigger), on PostgreSQL
// with COPY. Rows are written as the store writes them (memory_repository.go, memory_embeddings.go):
// the text's key, the sources as a JSON array, SQLite's fixed-width UTC times, float32
// little-endian vectors. The caller reads some back through the store to check.
func memInsert(ctx context.Context, db *sqlstore.DB, ms []memGen, embedder string, withVectors bool) error {
	tx, err := db.X.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	cols := []string{"id", "owner_id", "companion_id", "text", "text_key", "category", "importance", "pinned", "sources",
		"created_at", "updated_at", "recall_count"}
	ecols := []string{"memory_id", "embedder", "dims", "vector"}
	how, err := db.VectorSearch(ctx)
	if err != nil {
		return err
	}
	pgvector := how == sqlstore.VectorsPgvector
	if pgvector {
		ecols = append(ecols, "vec") // as the store writes it; else a trigger decodes the bytes, slowly
	}
	var ins, eins string
	if db.Dialect == sqlstore.Postgres {
		ins, eins = pq.CopyIn("memories", cols...), pq.CopyIn("memory_embeddings", ecols...)
	} else {
		ins = `INSERT INTO memories (` + strings.Join(cols, ", ") + `) VALUES (?` + strings.Repeat(", ?", len(cols)-1) + `)`
		eins = `INSERT INTO memory_embeddings (` + strings.Join(ecols, ", ") + `) VALUES (?, ?, ?, ?)` // no vec on SQLite
	}
	stmt, err := tx.PrepareContext(ctx, ins)
	if err != nil {
		return err
	}
	when := func(t time.Time) any {
		if db.Dialect == sqlstore.SQLite {
			return t.UTC().Format("2006-01-02T15:04:05.000000Z")
		}
		return t
	}
	for _, g := range ms {
		m := g.m
		src := make([]string, len(m.Sources))
		for i, s := range m.Sources {
			src[i] = s.String()
		}
		sources, err := json.Marshal(src)
		if err != nil {
			return err
		}
		var pinned any = m.Pinned
		if db.Dialect == sqlstore.SQLite {
			pinned = map[bool]int{false: 0, true: 1}[m.Pinned]
		}
		if _, err := stmt.ExecContext(ctx, m.ID.String(), m.OwnerID.String(), m.CompanionID.String(), m.Text, memory.Key(m.Text),
			m.Category.String(), m.Importance, pinned, string(sources), when(m.CreatedAt), when(m.UpdatedAt), 0); err != nil {
			return fmt.Errorf("insert memory: %w", err)
		}
	}
	if db.Dialect == sqlstore.Postgres {
		if _, err := stmt.ExecContext(ctx); err != nil {
			return fmt.Errorf("copy memories: %w", err)
		}
	}
	if err := stmt.Close(); err != nil {
		return err
	}
	if withVectors {
		if stmt, err = tx.PrepareContext(ctx, eins); err != nil {
			return err
		}
		for _, g := range ms {
			args := []any{g.m.ID.String(), embedder, len(g.vector), memVectorBytes(g.vector)}
			if pgvector {
				args = append(args, memVectorText(g.vector))
			}
			if _, err := stmt.ExecContext(ctx, args...); err != nil {
				return fmt.Errorf("insert embedding: %w", err)
			}
		}
		if db.Dialect == sqlstore.Postgres {
			if _, err := stmt.ExecContext(ctx); err != nil {
				return fmt.Errorf("copy embeddings: %w", err)
			}
		}
		if err := stmt.Close(); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// memVectorText is a vector as pgvector reads it: [1,2.5,-3].
func memVectorText(v memoryuc.Vector) string {
	b := []byte{'['}
	for i, f := range v {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendFloat(b, float64(f), 'g', -1, 32)
	}
	return string(append(b, ']'))
}

// memVectorBytes is a vector as the store keeps it: float32s, little-endian.
func memVectorBytes(v memoryuc.Vector) []byte {
	b := make([]byte, 4*len(v))
	for i, f := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(f))
	}
	return b
}
