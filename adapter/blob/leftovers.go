package blob

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/companionhub/companionhub/usecase/media"
)

var _ media.Leftovers = (*Store)(nil)

// ListLeftovers lists what crashes left in the local directory under prefix: temporary files of
// writes that never finished (a write in progress has one too, recently written) and ".attrs"
// sidecars whose blob is gone (a crash inside a delete, which removes the blob first, or inside a
// write, which writes the sidecar just before renaming the blob into place). The names are the
// files' paths in the directory, slash-separated. The memory and S3 backends leave nothing
// behind and list nothing.
//
// Unlike List, it walks the directory itself: fileblob's listing skips sidecars.
func (s *Store) ListLeftovers(ctx context.Context, prefix string, fn func(media.BlobInfo) error) error {
	if err := checkPrefix(prefix); err != nil {
		return err
	}
	if s.backend != backendLocal {
		return nil
	}
	root := s.dir
	if i := strings.LastIndex(prefix, "/"); i >= 0 {
		root = filepath.Join(s.dir, filepath.FromSlash(prefix[:i]))
	}
	var fnErr error
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path == root && errors.Is(err, fs.ErrNotExist) {
				return fs.SkipAll // nothing was ever stored under prefix
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if path == root {
			return nil
		}
		rel, err := filepath.Rel(s.dir, path)
		if err != nil {
			return err
		}
		name := filepath.ToSlash(rel)
		if d.IsDir() {
			// As fileblob lists: a directory none of whose keys can start with prefix is skipped.
			if dir := name + "/"; len(dir) > len(prefix) && !strings.HasPrefix(dir, prefix) {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || !strings.HasPrefix(name, prefix) || !isLocalBookkeeping(name) {
			return nil
		}
		info, err := d.Info()
		if errors.Is(err, fs.ErrNotExist) {
			return nil // a write finished (or a delete did) since the directory was read
		}
		if err != nil {
			return err
		}
		if strings.HasSuffix(name, attrsSuffix) {
			if blobThere, err := exists(strings.TrimSuffix(path, attrsSuffix)); err != nil || blobThere {
				return err
			}
		}
		if err := fn(media.BlobInfo{Key: name, Size: info.Size(), ModTime: info.ModTime()}); err != nil {
			fnErr = err
			return err
		}
		return nil
	})
	if fnErr != nil {
		return fnErr
	}
	if err != nil {
		return errUnavailable.Wrap(fmt.Errorf("blob list leftovers %q (%s): %w", prefix, s.backend, err))
	}
	return nil
}

// DeleteLeftover removes a leftover ListLeftovers named. It refuses — ErrNotLeftover — what could
// be part of a blob: a name without a temporary file's or a sidecar's shape (no blob key has
// either: checkKey refuses them), anything but a regular file, and a sidecar whose blob is there.
// On the memory and S3 backends nothing by a leftover's name can exist, so it is already gone.
func (s *Store) DeleteLeftover(ctx context.Context, name string) error {
	if err := checkPrefix(name); err != nil {
		return err
	}
	if !isLocalBookkeeping(name) {
		return media.ErrNotLeftover.Wrap(fmt.Errorf("blob delete leftover %q: not a temporary file or a sidecar", name))
	}
	if err := ctx.Err(); err != nil {
		return errUnavailable.Wrap(fmt.Errorf("blob delete leftover %q: %w", name, err))
	}
	if s.backend != backendLocal {
		return nil
	}
	path := filepath.Join(s.dir, filepath.FromSlash(name))
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return errUnavailable.Wrap(fmt.Errorf("blob delete leftover %q: %w", name, err))
	}
	if !fi.Mode().IsRegular() {
		return media.ErrNotLeftover.Wrap(fmt.Errorf("blob delete leftover %q: not a regular file", name))
	}
	if strings.HasSuffix(name, attrsSuffix) {
		// Asked again here, since a blob may have been stored under its key since it was listed
		// (media keys are random and never reused, so only in theory).
		blobThere, err := exists(strings.TrimSuffix(path, attrsSuffix))
		if err != nil {
			return errUnavailable.Wrap(fmt.Errorf("blob delete leftover %q: %w", name, err))
		}
		if blobThere {
			return media.ErrNotLeftover.Wrap(fmt.Errorf("blob delete leftover %q: its blob is there", name))
		}
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return errUnavailable.Wrap(fmt.Errorf("blob delete leftover %q: %w", name, err))
	}
	return nil
}

// exists reports whether something is at path.
func exists(path string) (bool, error) {
	_, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}
