package imaging_test

import (
	"bytes"
	"testing"

	"github.com/companionhub/companionhub/adapter/imaging"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/media"
	"github.com/companionhub/companionhub/test/contract/imageprocessortest"
	mediauc "github.com/companionhub/companionhub/usecase/media"
)

// FuzzProcess feeds Process arbitrary bytes and fits. Whatever it gets, Process must not panic
// and must either refuse with one of the port's reasons or return a picture that is what it
// claims: of the reported type and size, within fit², free of the planted secrets. Without
// -fuzz it runs over the seeds (the suite's valid, metadata-laden and malicious samples) and
// testdata/fuzz/FuzzProcess.
func FuzzProcess(f *testing.F) {
	for i, seed := range imageprocessortest.Seeds() {
		f.Add(seed, uint16([]int{mediauc.HeaderFit, mediauc.PictureFit, 1, 64}[i%4]))
	}
	p := imaging.New()
	reasons := map[string]bool{"unsupported_image": true, "image_too_large": true, "image_dimensions": true, "corrupt_image": true}
	f.Fuzz(func(t *testing.T, data []byte, fit16 uint16) {
		fit := int(fit16%mediauc.PictureFit) + 1
		out, err := p.Process(t.Context(), data, fit)
		if err != nil {
			e := domain.AsError(err)
			if e == nil || e.Kind != domain.KindInvalid || !reasons[e.Reason] {
				t.Fatalf("want a refusal with one of the port's reasons, got %v", err)
			}
			if out.Data != nil || out.Width != 0 || out.Height != 0 || !out.ContentType.IsZero() {
				t.Fatalf("a refusal returned a picture: %+v", out)
			}
			return
		}
		if len(data) > mediauc.MaxImageBytes {
			t.Fatalf("accepted %d bytes", len(data))
		}
		if out.ContentType != media.JPEG && out.ContentType != media.PNG {
			t.Fatalf("output type %s", out.ContentType)
		}
		imageprocessortest.CheckOutput(t, out, fit)
		for _, s := range []string{imageprocessortest.GPSSecret, imageprocessortest.MetadataSecret} {
			if bytes.Contains(out.Data, []byte(s)) {
				t.Fatalf("the output contains %q", s)
			}
		}
	})
}
