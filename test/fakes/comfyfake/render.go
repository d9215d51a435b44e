package comfyfake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"image"
	"image/png"
	"strconv"
)

// scene is what the fake draws for an output node, read from the graph the way the real
// pipeline would use it: the size from the first node upstream with integer width and height
// (EmptyLatentImage, or ImageScale in an image-to-image graph), the seed of the first KSampler
// upstream, and the text of the CLIPTextEncode its positive input leads to.
type scene struct {
	width, height int
	seed          string
	prompt        string
	steps         int
}

// defaultSide is the size drawn when the graph says none (no EmptyLatentImage or the like);
// maxSide caps what is drawn, so a test sending ComfyUI's maximum (16384) does not make the fake
// allocate a gigabyte.
const (
	defaultSide = 512
	maxSide     = 4096
)

func sceneOf(graph map[string]any, output string) scene {
	sc := scene{width: defaultSide, height: defaultSide, steps: 1}
	sized, sampled := false, false
	for _, id := range upstream(graph, output) {
		node, _ := graph[id].(map[string]any)
		inputs, _ := node["inputs"].(map[string]any)
		w, okW := intValue(inputs["width"])
		h, okH := intValue(inputs["height"])
		if !sized && okW && okH && w > 0 && h > 0 {
			sc.width, sc.height, sized = min(w, maxSide), min(h, maxSide), true
		}
		if !sampled && node["class_type"] == "KSampler" {
			sampled = true
			sc.seed = fmt.Sprint(inputs["seed"])
			if n, ok := intValue(inputs["steps"]); ok && n > 0 {
				sc.steps = n
			}
			if l, ok := inputs["positive"].([]any); ok && len(l) == 2 {
				from, _ := l[0].(string)
				sc.prompt = textOf(graph, from)
			}
		}
	}
	return sc
}

// textOf is the text of the first CLIPTextEncode at or above node id.
func textOf(graph map[string]any, id string) string {
	for _, n := range upstream(graph, id) {
		node, _ := graph[n].(map[string]any)
		if node["class_type"] == "CLIPTextEncode" {
			inputs, _ := node["inputs"].(map[string]any)
			return fmt.Sprint(inputs["text"])
		}
	}
	return ""
}

// intValue reads an INT input as ComfyUI converts it: a number, truncated, or a numeric string.
func intValue(v any) (int, bool) {
	switch x := v.(type) {
	case json.Number:
		f, err := x.Float64()
		return int(f), err == nil
	case string:
		n, err := strconv.Atoi(x)
		return n, err == nil
	}
	return 0, false
}

// render draws the scene as a PNG: a diagonal gradient between two colours and a band pattern,
// all from a hash of the prompt and the seed, so the same prompt and seed always give the same
// bytes and another seed other ones.
func render(sc scene) ([]byte, error) {
	h := fnv.New64a()
	fmt.Fprintf(h, "%s\x00%s", sc.prompt, sc.seed)
	sum := h.Sum64()
	a := [3]byte{byte(sum), byte(sum >> 8), byte(sum >> 16)}
	b := [3]byte{byte(sum >> 24), byte(sum >> 32), byte(sum >> 40)}
	bands := 3 + int(sum>>48)%13
	// The colour of a pixel depends on x+y (the gradient) and on whether its band is shaded:
	// two tables of span colours, looked up per pixel.
	span := sc.width + sc.height
	var plain, shaded []byte
	for t := range span {
		for c := range 3 {
			v := (int(a[c])*(span-t) + int(b[c])*t) / span
			plain = append(plain, byte(v))
			shaded = append(shaded, byte(min(v+24, 255)))
		}
		plain, shaded = append(plain, 255), append(shaded, 255)
	}
	img := image.NewNRGBA(image.Rect(0, 0, sc.width, sc.height))
	for y := range sc.height {
		row := img.Pix[y*img.Stride : y*img.Stride+sc.width*4]
		by := y * bands / sc.height
		for x := range sc.width {
			src := plain
			if (x*bands/sc.width+by)%2 == 0 {
				src = shaded
			}
			copy(row[x*4:x*4+4], src[(x+y)*4:])
		}
	}
	// Uncompressed: the bytes only cross a loopback, and compressing them was most of a render's
	// time in tests run with -race.
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.NoCompression}
	if err := enc.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// preview is the binary frame ComfyUI sends with a sampler's preview: event type 1
// (PREVIEW_IMAGE) and image type 2 (PNG), both big-endian uint32, then the image.
func preview() []byte {
	img, _ := render(scene{width: 8, height: 8})
	return append([]byte{0, 0, 0, 1, 0, 0, 0, 2}, img...)
}
