package comfyfake

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// placeholders are SillyTavern's placeholder names. A STRING input still holding one whole
// ("%prompt%") is a validation error here, stricter than ComfyUI, which would take it as text:
// the fake's job is to catch a client that forgot to substitute one. Inputs of other types fail
// as they do on ComfyUI ("%seed%" is not an INT, "%sampler%" not in the sampler list).
var placeholders = []string{"prompt", "negative_prompt", "seed", "steps", "scale", "width", "height",
	"clip_skip", "denoise", "model", "vae", "sampler", "scheduler", "char_avatar", "user_avatar"}

func isPlaceholder(s string) bool {
	name, ok := strings.CutPrefix(s, "%")
	name, ok2 := strings.CutSuffix(name, "%")
	return ok && ok2 && slices.Contains(placeholders, name)
}

// apiError is ComfyUI's error object: {"type","message","details","extra_info"}.
func apiError(typ, message, details string, extra map[string]any) map[string]any {
	if extra == nil {
		extra = map[string]any{}
	}
	return map[string]any{"type": typ, "message": message, "details": details, "extra_info": extra}
}

// validation is the outcome of validating a prompt, in the terms of ComfyUI's validate_prompt:
// the top-level error and the per-node errors when it fails, the output nodes when it does not.
type validation struct {
	err        map[string]any
	nodeErrors map[string]any
	outputs    []string
}

func (v validation) ok() bool { return v.err == nil }

// validate checks graph as ComfyUI does before queueing it: every node has a known class_type,
// there is an output node, and every required input is present, of its type, within its bounds
// and, for a link, of the linked output's type. Unlike ComfyUI, which validates only the nodes
// its outputs depend on, it validates every node.
func validate(graph map[string]any, classes map[string]nodeClass) validation {
	ids := sortedIDs(graph)
	var outputs []string
	for _, id := range ids {
		node, _ := graph[id].(map[string]any)
		ct, _ := node["class_type"].(string)
		if ct == "" {
			return validation{err: apiError("invalid_prompt",
				"Cannot execute because a node is missing the class_type property.", fmt.Sprintf("Node ID '#%s'", id), nil)}
		}
		nc, known := classes[ct]
		if !known {
			return validation{err: apiError("missing_node_type",
				fmt.Sprintf("Node '%s' not found. The custom node may not be installed.", ct), fmt.Sprintf("Node ID '#%s'", id),
				map[string]any{"node_id": id, "class_type": ct, "node_title": ct})}
		}
		if nc.outputNode {
			outputs = append(outputs, id)
		}
	}
	if len(outputs) == 0 {
		return validation{err: apiError("prompt_no_outputs", "Prompt has no outputs", "", nil)}
	}
	nodeErrors := map[string]any{}
	var details []string
	for _, id := range ids {
		node := graph[id].(map[string]any)
		ct := node["class_type"].(string)
		inputs, _ := node["inputs"].(map[string]any)
		var errs []any
		for _, in := range classes[ct].inputs {
			if e := checkInput(graph, classes, in, inputs); e != nil {
				errs = append(errs, e)
				details = append(details, fmt.Sprintf("%s %s: %s", ct, id, e["message"]))
			}
		}
		if len(errs) > 0 {
			nodeErrors[id] = map[string]any{"errors": errs, "dependent_outputs": dependents(graph, id, outputs),
				"class_type": ct}
		}
	}
	if len(nodeErrors) > 0 {
		return validation{err: apiError("prompt_outputs_failed_validation", "Prompt outputs failed validation",
			strings.Join(details, "\n"), nil), nodeErrors: nodeErrors}
	}
	return validation{outputs: outputs}
}

// checkInput returns the error of one input, nil when it is valid.
func checkInput(graph map[string]any, classes map[string]nodeClass, in input, inputs map[string]any) map[string]any {
	v, present := inputs[in.name]
	if !present {
		return apiError("required_input_missing", "Required input is missing", in.name,
			map[string]any{"input_name": in.name})
	}
	extra := map[string]any{"input_name": in.name, "received_value": v}
	if l, isLink := v.([]any); isLink {
		return checkLink(graph, classes, in, l, extra)
	}
	switch in.kind {
	case "INT", "FLOAT":
		return checkNumber(in, v, extra)
	case "STRING":
		if s, ok := v.(string); ok && isPlaceholder(s) {
			return apiError("custom_validation_failed", "Custom validation failed for node",
				fmt.Sprintf("%s - the placeholder %s was not replaced", in.name, s), extra)
		}
		return nil
	case "COMBO":
		if s, ok := v.(string); ok && slices.Contains(in.options, s) {
			return nil
		}
		extra["input_config"] = in.options
		return apiError("value_not_in_list", "Value not in list",
			fmt.Sprintf("%s: '%v' not in %s", in.name, v, pyList(in.options)), extra)
	default:
		return apiError("bad_linked_input", "Bad linked input, must be a length-2 list of [node_id, slot_index]",
			in.name, extra)
	}
}

// checkLink checks a [node_id, slot] link: the node exists and its output there has the input's
// type (a widget input may be linked to any node, as a converted widget is).
func checkLink(graph map[string]any, classes map[string]nodeClass, in input, l []any, extra map[string]any) map[string]any {
	if len(l) != 2 {
		return apiError("bad_linked_input", "Bad linked input, must be a length-2 list of [node_id, slot_index]",
			in.name, extra)
	}
	from, ok := l[0].(string)
	slot, isNum := number(l[1])
	if !ok || !isNum {
		return apiError("bad_linked_input", "Bad linked input, must be a length-2 list of [node_id, slot_index]",
			in.name, extra)
	}
	node, exists := graph[from].(map[string]any)
	if !exists {
		return apiError("exception_during_inner_validation", "Exception when validating inner node",
			fmt.Sprintf("'%s'", from), extra)
	}
	if in.kind == "INT" || in.kind == "FLOAT" || in.kind == "STRING" || in.kind == "COMBO" {
		return nil
	}
	outs := classes[node["class_type"].(string)].outputs
	if i := int(slot); slot != math.Trunc(slot) || i < 0 || i >= len(outs) || outs[i] != in.kind {
		return apiError("return_type_mismatch", "Return type mismatch between linked nodes",
			fmt.Sprintf("%s, received_type(%v) mismatch input_type(%s)", in.name, l, in.kind), extra)
	}
	return nil
}

// checkNumber converts as ComfyUI's int() and float() would — a JSON number (an INT truncated),
// or a string holding one — and checks the bounds.
func checkNumber(in input, v any, extra map[string]any) map[string]any {
	var f float64
	var err error
	switch x := v.(type) {
	case json.Number:
		f, err = x.Float64()
	case string:
		if in.kind == "INT" {
			var n int64
			n, err = strconv.ParseInt(strings.TrimSpace(x), 10, 64)
			f = float64(n)
		} else {
			f, err = strconv.ParseFloat(strings.TrimSpace(x), 64)
		}
	case bool:
		f = map[bool]float64{false: 0, true: 1}[x]
	default:
		err = fmt.Errorf("%T is not a number", v)
	}
	if err != nil {
		extra["exception_message"] = err.Error()
		return apiError("invalid_input_type", "Failed to convert an input value to a "+in.kind+" value",
			fmt.Sprintf("%s, %v, %v", in.name, v, err), extra)
	}
	if in.kind == "INT" {
		f = math.Trunc(f)
	}
	lo, _ := in.lo.Float64()
	hi, _ := in.hi.Float64()
	switch {
	case f < lo:
		return apiError("value_smaller_than_min", fmt.Sprintf("Value %v smaller than min of %s", v, in.lo), in.name, extra)
	case f > hi:
		return apiError("value_bigger_than_max", fmt.Sprintf("Value %v bigger than max of %s", v, in.hi), in.name, extra)
	}
	return nil
}

// number reads a JSON number decoded with UseNumber.
func number(v any) (float64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	f, err := n.Float64()
	return f, err == nil
}

// dependents lists the output nodes whose inputs lead, through links, to node id.
func dependents(graph map[string]any, id string, outputs []string) []string {
	out := []string{}
	for _, o := range outputs {
		if slices.Contains(upstream(graph, o), id) {
			out = append(out, o)
		}
	}
	return out
}

// upstream lists id and every node it depends on through links, depth first, visiting each
// node's inputs in name order: the order the renderer looks for the picture's size and seed in.
func upstream(graph map[string]any, id string) []string {
	var order []string
	seen := map[string]bool{}
	var visit func(string)
	visit = func(n string) {
		if seen[n] {
			return
		}
		seen[n] = true
		order = append(order, n)
		node, _ := graph[n].(map[string]any)
		inputs, _ := node["inputs"].(map[string]any)
		for _, name := range sortedIDs(inputs) {
			if l, ok := inputs[name].([]any); ok && len(l) == 2 {
				if from, ok := l[0].(string); ok {
					if _, exists := graph[from]; exists {
						visit(from)
					}
				}
			}
		}
	}
	visit(id)
	return order
}

// sortedIDs returns the keys of m, numeric ones in numeric order first, as ComfyUI's node ids
// are usually numbers.
func sortedIDs[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
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
	})
	return keys
}

// pyList renders options as Python prints a list, as ComfyUI's error details do.
func pyList(options []string) string {
	if len(options) > 20 {
		return fmt.Sprintf("(list of length %d)", len(options))
	}
	quoted := make([]string, len(options))
	for i, o := range options {
		quoted[i] = "'" + o + "'"
	}
	return "[" + strings.Join(quoted, ", ") + "]"
}
