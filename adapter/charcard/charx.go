package charcard

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"

	companionuc "github.com/companionhub/companionhub/usecase/companion"
)

// charxCard is the name of the card in a CHARX archive (V3 spec: card.json at the root).
const charxCard = "card.json"

// decodeCHARX reads a CHARX archive: card.json, and the main icon as the card's picture.
//
// Nothing is extracted to disk, so a hostile path could not escape anywhere — but an archive with
// ../ or absolute paths, non-ASCII names (the spec asks for ASCII) or a name listed twice (readers
// could disagree on which copy is meant) is not one a card tool made, and is refused outright
// rather than half-read. Sizes are checked as declared before reading and again as actually read,
// since a zip bomb declares small sizes that its data does not keep.
func decodeCHARX(data []byte) (companionuc.Card, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) { // insecure paths are checked below either way
		return companionuc.Card{}, invalidCard("this ZIP archive is damaged and cannot be read")
	}
	if len(zr.File) > maxZipEntries {
		return companionuc.Card{}, invalidCard("the CHARX archive has more than %d files", maxZipEntries)
	}
	files := make(map[string]*zip.File, len(zr.File))
	var total uint64
	for _, f := range zr.File {
		if msg := checkPath(f.Name); msg != "" {
			return companionuc.Card{}, invalidCard("the CHARX archive holds a file named %q, which %s", printable(f.Name), msg)
		}
		if files[f.Name] != nil {
			return companionuc.Card{}, invalidCard("the CHARX archive lists %q twice", printable(f.Name))
		}
		files[f.Name] = f
		if f.UncompressedSize64 > maxZipTotal || total+f.UncompressedSize64 > maxZipTotal {
			return companionuc.Card{}, invalidCard("the CHARX archive would expand to more than %s", mib(maxZipTotal))
		}
		total += f.UncompressedSize64
	}
	cf := files[charxCard]
	if cf == nil {
		return companionuc.Card{}, invalidCard("this ZIP archive has no card.json at its root, so it is not a CHARX character card")
	}
	doc, err := readEntry(cf, maxCardJSON)
	if err != nil {
		return companionuc.Card{}, err
	}
	card, err := parseCard(doc)
	if err != nil {
		return companionuc.Card{}, err
	}
	icon, warning := charxIcon(card.Extra["assets"], files)
	card.Image = icon
	if warning != "" {
		card.Warnings = append(card.Warnings, warning)
	}
	return card, nil
}

// hasZipEnd reports whether data ends with a ZIP end-of-central-directory record, which sits in
// the last 22 bytes plus at most a 64 KiB comment.
func hasZipEnd(data []byte) bool {
	return bytes.Contains(data[max(0, len(data)-(22+0xffff)):], zipEnd)
}

// readEntry reads one archive entry of at most limit bytes, as declared and as actually inflated.
// archive/zip itself fails an entry whose data outgrows its declared size; the limit on the bytes
// read does not rely on that, so it holds whatever the library does.
func readEntry(f *zip.File, limit int) ([]byte, error) {
	if f.UncompressedSize64 > uint64(limit) {
		return nil, invalidCard("%s in the CHARX archive is larger than %s", printable(f.Name), mib(limit))
	}
	if f.Flags&0x1 != 0 {
		return nil, invalidCard("%s in the CHARX archive is encrypted; CHARX archives must not be", printable(f.Name))
	}
	rc, err := f.Open()
	if errors.Is(err, zip.ErrAlgorithm) {
		return nil, invalidCard("%s in the CHARX archive uses a compression method this hub cannot read", printable(f.Name))
	}
	if err != nil {
		return nil, invalidCard("%s in the CHARX archive is damaged", printable(f.Name))
	}
	defer func() { _ = rc.Close() }()
	body := bytes.NewBuffer(make([]byte, 0, int(f.UncompressedSize64)+1)) // ≤ limit+1, checked above
	_, err = io.Copy(body, io.LimitReader(rc, int64(limit)+1))
	switch {
	case body.Len() > limit:
		return nil, invalidCard("%s in the CHARX archive expands to more than %s", printable(f.Name), mib(limit))
	case err != nil:
		// archive/zip fails an entry whose data outgrows its declared size (ErrFormat) or whose
		// checksum does not match (ErrChecksum): a bomb or a damaged file, same answer.
		return nil, invalidCard("%s in the CHARX archive is damaged or larger than it claims", printable(f.Name))
	}
	return body.Bytes(), nil
}

// checkPath returns why name is not an acceptable archive path, or "".
func checkPath(name string) string {
	for i := 0; i < len(name); i++ {
		if c := name[i]; c < 0x20 || c >= 0x7f {
			return "is not plain ASCII"
		}
	}
	if strings.Contains(name, `\`) {
		return "uses backslashes"
	}
	if !fs.ValidPath(strings.TrimSuffix(name, "/")) {
		return "points outside the archive"
	}
	return ""
}

// charxIcon returns the picture of the card's main icon: the icon asset named main, else the first
// icon (V3 spec), when it is an embedded file of the archive and a JPEG, PNG or WebP picture.
// A missing or unusable icon is a warning, never an error: the card is readable without it.
func charxIcon(raw json.RawMessage, files map[string]*zip.File) ([]byte, string) {
	if raw == nil || isNull(raw) {
		return nil, ""
	}
	var assets []json.RawMessage
	if json.Unmarshal(raw, &assets) != nil {
		return nil, "the card's assets are not a list, so its picture could not be found"
	}
	var uri string
	found := false
	for _, a := range assets {
		var asset struct{ Type, URI, Name string }
		if json.Unmarshal(a, &asset) != nil || asset.Type != "icon" {
			continue
		}
		if !found || asset.Name == "main" {
			uri, found = asset.URI, true
		}
		if asset.Name == "main" {
			break
		}
	}
	if !found {
		return nil, ""
	}
	// The spec spells it "embeded://"; the correct spelling is accepted as well.
	p, ok := strings.CutPrefix(uri, "embeded://")
	if !ok {
		p, ok = strings.CutPrefix(uri, "embedded://")
	}
	if !ok {
		// ccdefault: has no picture in a CHARX; remote URLs are not fetched (the importer would
		// become a proxy into the network) and data: URLs are not a CHARX's way of carrying files.
		return nil, "the card's icon is not stored in the archive, so it was imported without a picture"
	}
	f := files[strings.TrimPrefix(p, "/")]
	if f == nil {
		return nil, fmt.Sprintf("the card's icon %q is missing from the archive, so it was imported without a picture", printable(p))
	}
	icon, err := readEntry(f, maxIconBytes)
	if err != nil {
		return nil, "the card's icon could not be read (" + errMessage(err) + "), so it was imported without a picture"
	}
	decodeConfig, _ := decoders(icon)
	if decodeConfig == nil {
		return nil, "the card's icon is not a JPEG, PNG or WebP picture, so it was imported without a picture"
	}
	if _, err := decodeConfig(bytes.NewReader(icon)); err != nil {
		return nil, "the card's icon is a damaged picture, so it was imported without a picture"
	}
	return icon, ""
}
