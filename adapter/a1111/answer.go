package a1111

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/companionhub/companionhub/domain/media"
	"github.com/companionhub/companionhub/usecase/picture"
)

// answer is the body of a successful txt2img call. parameters, an echo of the request, is not read.
type answer struct {
	Images []string `json:"images"`
	// Info is Processed.js(): a JSON document encoded as a string (some copies of the API send
	// the object itself).
	Info json.RawMessage `json:"info"`
}

// result decodes the answer's picture and the seed it was rendered with. requested is the seed
// asked for, used when info does not say (negative: the server chose, and must say which).
func (a answer) result(requested int64) (picture.Result, error) {
	if len(a.Images) == 0 {
		return picture.Result{}, errBadResponse.Wrap(errors.New("a1111: the answer holds no image"))
	}
	data, err := imageBytes(a.Images[0])
	if err != nil {
		return picture.Result{}, errBadResponse.Wrap(fmt.Errorf("a1111: decode the image: %w", err))
	}
	format, ok := sniff(data)
	if !ok {
		return picture.Result{}, errBadResponse.Wrap(fmt.Errorf("a1111: the image is not a JPEG, PNG or WebP picture (%d bytes)", len(data)))
	}
	seed, ok := seedOf(a.Info)
	switch {
	case ok:
	case requested >= 0:
		seed = requested
	default:
		return picture.Result{}, errBadResponse.Wrap(errors.New("a1111: the answer does not say which seed the server chose"))
	}
	return picture.Result{Data: data, Format: format, Seed: seed}, nil
}

// imageBytes decodes a base64 image, with or without a data: URL prefix and its padding.
func imageBytes(s string) ([]byte, error) {
	if rest, ok := strings.CutPrefix(s, "data:"); ok {
		_, b64, found := strings.Cut(rest, ",")
		if !found {
			return nil, errors.New("a data URL without data")
		}
		s = b64
	}
	s = strings.TrimSpace(s)
	data, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		data, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
	}
	return data, err
}

var pngMagic = []byte("\x89PNG\r\n\x1a\n")

// sniff recognises the three formats a server can be set to save from their signatures (the ones
// http.DetectContentType uses): what the server sends says nothing about the format.
func sniff(data []byte) (media.ContentType, bool) {
	switch {
	case len(data) >= 3 && data[0] == 0xff && data[1] == 0xd8 && data[2] == 0xff:
		return media.JPEG, true
	case bytes.HasPrefix(data, pngMagic):
		return media.PNG, true
	case len(data) >= 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WEBP":
		return media.WebP, true
	}
	return media.ContentType{}, false
}

// seedOf reads the seed from info: "seed", else the first of "all_seeds"; false when info has
// neither as a non-negative integer.
func seedOf(info json.RawMessage) (int64, bool) {
	var text string
	if json.Unmarshal(info, &text) == nil {
		info = json.RawMessage(text)
	}
	var v struct {
		Seed     *json.Number  `json:"seed"`
		AllSeeds []json.Number `json:"all_seeds"`
	}
	if json.Unmarshal(info, &v) != nil {
		return 0, false
	}
	candidates := v.AllSeeds
	if v.Seed != nil {
		candidates = append([]json.Number{*v.Seed}, candidates...)
	}
	for _, n := range candidates {
		if seed, err := n.Int64(); err == nil && seed >= 0 {
			return seed, true
		}
	}
	return 0, false
}
