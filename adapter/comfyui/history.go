package comfyui

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// entry is a prompt's /history entry: {"outputs": {node: {"images": […]}}, "status":
// {"status_str", "completed", "messages": [[event, data], …]}}. Builds older than the status
// field have only the outputs.
type entry struct {
	Outputs map[string]struct {
		Images []imageRef `json:"images"`
	} `json:"outputs"`
	Status *struct {
		StatusStr string            `json:"status_str"`
		Messages  []json.RawMessage `json:"messages"`
	} `json:"status"`
}

// imageRef names an output file, as /view takes it.
type imageRef struct {
	Filename  string `json:"filename"`
	Subfolder string `json:"subfolder"`
	Type      string `json:"type"`
}

// failure is the error of a prompt whose history says it failed, nil when it did not.
func (e entry) failure() error {
	if e.Status == nil || e.Status.StatusStr != "error" {
		return nil
	}
	for _, m := range e.Status.Messages {
		var pair []json.RawMessage
		if json.Unmarshal(m, &pair) != nil || len(pair) != 2 {
			continue
		}
		var name string
		_ = json.Unmarshal(pair[0], &name)
		var data struct {
			ExceptionType    string `json:"exception_type"`
			ExceptionMessage string `json:"exception_message"`
		}
		_ = json.Unmarshal(pair[1], &data)
		switch name {
		case "execution_error":
			return executionError(data.ExceptionType, data.ExceptionMessage)
		case "execution_interrupted":
			return errInterrupted.Wrap(errors.New("comfyui: the history says the prompt was interrupted"))
		}
	}
	return errFailed.Wrap(errors.New("comfyui: the history says the prompt failed, without an error message"))
}

// image picks the picture to return: the first one an output node saved ("output"), else the
// first preview ("temp"), going through the nodes in id order so the choice never varies.
func (e entry) image() (imageRef, error) {
	ids := make([]string, 0, len(e.Outputs))
	for id := range e.Outputs {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, compareNodeIDs)
	var preview *imageRef
	for _, id := range ids {
		for _, img := range e.Outputs[id].Images {
			if img.Filename == "" {
				continue
			}
			if img.Type == "output" || img.Type == "" {
				return img, nil
			}
			if preview == nil {
				preview = &img
			}
		}
	}
	if preview != nil {
		return *preview, nil
	}
	return imageRef{}, errNoImage.Wrap(fmt.Errorf("comfyui: the history lists no image among %d outputs", len(ids)))
}

// nodeIDs returns a graph's node ids in compareNodeIDs order.
func nodeIDs(graph map[string]any) []string {
	ids := make([]string, 0, len(graph))
	for id := range graph {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, compareNodeIDs)
	return ids
}

// compareNodeIDs orders numeric ids (ComfyUI's usual ones) numerically, before any others.
func compareNodeIDs(a, b string) int {
	na, errA := strconv.Atoi(a)
	nb, errB := strconv.Atoi(b)
	switch {
	case errA == nil && errB == nil:
		return na - nb
	case errA == nil:
		return -1
	case errB == nil:
		return 1
	}
	return strings.Compare(a, b)
}
