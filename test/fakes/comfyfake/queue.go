package comfyfake

import (
	"encoding/base64"
	"fmt"
	"path"
	"slices"
	"sync"
	"time"
)

// job is a queued prompt.
type job struct {
	id, clientID string
	number       int
	graph        map[string]any
	outputs      []string
	b            Behaviour
	interrupted  chan struct{}
	once         sync.Once
}

func (j *job) interrupt() { j.once.Do(func() { close(j.interrupted) }) }

// work runs the queue one prompt at a time, as ComfyUI's prompt worker does, until cleanup.
func (s *Server) work() {
	for {
		s.mu.Lock()
		for len(s.queue) == 0 {
			s.mu.Unlock()
			select {
			case <-s.wake:
			case <-s.done:
				return
			}
			s.mu.Lock()
		}
		j := s.queue[0]
		s.queue = s.queue[1:]
		s.running = j
		s.mu.Unlock()
		s.broadcastStatus()
		s.run(j)
		s.mu.Lock()
		s.running = nil
		s.mu.Unlock()
		s.broadcastStatus()
	}
}

// execution is the state of one prompt's run: what the history will say of it.
type execution struct {
	s        *Server
	j        *job
	messages []any // [event, data] pairs: the history's status.messages
	outputs  map[string]any
	meta     map[string]any
	executed []string
}

// status sends a status event (one the history records) to the prompt's client.
func (e *execution) status(event string, data map[string]any) {
	data["prompt_id"] = e.j.id
	data["timestamp"] = time.Now().UnixMilli()
	e.messages = append(e.messages, []any{event, data})
	e.s.send(e.j.clientID, event, data)
}

// run executes a prompt: every node upstream of its outputs, dependencies first.
func (s *Server) run(j *job) {
	e := &execution{s: s, j: j, outputs: map[string]any{}, meta: map[string]any{}}
	e.status("execution_start", map[string]any{})
	e.status("execution_cached", map[string]any{"nodes": []string{}})
	for _, id := range executionOrder(j.graph, j.outputs) {
		node := j.graph[id].(map[string]any)
		ct := node["class_type"].(string)
		s.send(j.clientID, "executing", map[string]any{"node": id, "display_node": id, "prompt_id": j.id})
		if !e.node(id, ct, node) {
			return
		}
		e.executed = append(e.executed, id)
	}
	e.status("execution_success", map[string]any{})
	e.finish("success")
}

// node executes one node; false when the prompt ended there (failed, interrupted, or the server
// closed).
func (e *execution) node(id, ct string, node map[string]any) bool {
	s, j := e.s, e.j
	inputs, _ := node["inputs"].(map[string]any)
	switch ct {
	case "KSampler":
		steps, _ := intValue(inputs["steps"])
		for i := 1; i <= steps; i++ {
			if !s.pause(j) {
				e.interrupted(id, ct)
				return false
			}
			s.send(j.clientID, "progress", map[string]any{"value": i, "max": steps, "prompt_id": j.id, "node": id})
			if i > 1 {
				continue
			}
			s.sendBinary(j.clientID, preview())
			if j.b.DropSocket {
				s.drop(j.clientID)
			}
			if j.b.Hang {
				select {
				case <-j.interrupted:
					e.interrupted(id, ct)
				case <-s.done:
				}
				return false
			}
			if j.b.ExecutionError != "" {
				e.failed(id, ct, inputs, j.b.ExecutionError, "fake failure in the sampler")
				return false
			}
		}
	case "ETN_LoadImageBase64":
		b64, _ := inputs["image"].(string)
		if _, err := base64.StdEncoding.DecodeString(b64); err != nil || b64 == "" {
			e.failed(id, ct, inputs, "binascii.Error", "Incorrect padding")
			return false
		}
	case "SaveImage", "PreviewImage":
		if j.b.NoImages {
			return true
		}
		img, err := s.save(j, id, ct, inputs)
		if err != nil {
			e.failed(id, ct, inputs, "OSError", err.Error())
			return false
		}
		out := map[string]any{"images": []any{img}}
		e.outputs[id] = out
		e.meta[id] = map[string]any{"node_id": id, "display_node": id, "parent_node": nil, "real_node_id": id}
		s.send(j.clientID, "executed", map[string]any{"node": id, "display_node": id, "output": out, "prompt_id": j.id})
	}
	return true
}

// pause waits one step, false when the prompt is interrupted or the server closes meanwhile.
func (s *Server) pause(j *job) bool {
	var wait <-chan time.Time
	if s.cfg.step > 0 {
		t := time.NewTimer(s.cfg.step)
		defer t.Stop()
		wait = t.C
	} else {
		ready := make(chan time.Time)
		close(ready)
		wait = ready
	}
	select {
	case <-j.interrupted:
		return false
	case <-s.done:
		return false
	default:
	}
	select {
	case <-wait:
		return true
	case <-j.interrupted:
		return false
	case <-s.done:
		return false
	}
}

// save renders the output node's picture and stores it where /view finds it.
func (s *Server) save(j *job, id, ct string, inputs map[string]any) (map[string]any, error) {
	data, err := render(sceneOf(j.graph, id))
	if err != nil {
		return nil, err
	}
	typ, prefix := "output", "ComfyUI"
	if ct == "PreviewImage" {
		typ, prefix = "temp", "ComfyUI_temp_"+j.id[:5]
	} else if p, ok := inputs["filename_prefix"].(string); ok && p != "" {
		prefix = p
	}
	subfolder, base := path.Split(prefix)
	s.mu.Lock()
	s.saved++
	name := fmt.Sprintf("%s_%05d_.png", base, s.saved)
	s.files[fileKey(typ, path.Clean("/" + subfolder)[1:], name)] = data
	s.mu.Unlock()
	return map[string]any{"filename": name, "subfolder": path.Clean("/" + subfolder)[1:], "type": typ}, nil
}

func (e *execution) failed(id, ct string, inputs map[string]any, excType, msg string) {
	e.status("execution_error", map[string]any{"node_id": id, "node_type": ct, "executed": slices.Clone(e.executed),
		"exception_message": msg, "exception_type": excType, "traceback": []string{}, "current_inputs": inputs,
		"current_outputs": []string{}})
	e.finish("error")
}

func (e *execution) interrupted(id, ct string) {
	e.status("execution_interrupted", map[string]any{"node_id": id, "node_type": ct,
		"executed": slices.Clone(e.executed)})
	e.finish("error")
}

// finish stores the history entry, then tells the client the prompt is done — in that order,
// after execution_success or the error, as ComfyUI's prompt worker does.
func (e *execution) finish(statusStr string) {
	j := e.j
	entry := map[string]any{
		"prompt":  []any{j.number, j.id, j.graph, map[string]any{"client_id": j.clientID}, j.outputs},
		"outputs": e.outputs,
		"status": map[string]any{"status_str": statusStr, "completed": statusStr == "success",
			"messages": e.messages},
		"meta": e.meta,
	}
	e.s.mu.Lock()
	e.s.history[j.id] = entry
	e.s.mu.Unlock()
	e.s.send(j.clientID, "executing", map[string]any{"node": nil, "prompt_id": j.id})
}

// executionOrder lists the nodes the outputs depend on, each after its dependencies, once.
func executionOrder(graph map[string]any, outputs []string) []string {
	var order []string
	seen := map[string]bool{}
	var visit func(string)
	visit = func(id string) {
		if seen[id] {
			return
		}
		seen[id] = true
		node, _ := graph[id].(map[string]any)
		inputs, _ := node["inputs"].(map[string]any)
		for _, name := range sortedIDs(inputs) {
			if l, ok := inputs[name].([]any); ok && len(l) == 2 {
				if from, ok := l[0].(string); ok && graph[from] != nil {
					visit(from)
				}
			}
		}
		order = append(order, id)
	}
	for _, o := range outputs {
		visit(o)
	}
	return order
}
