package config

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// expandTree replaces ${VAR} references in every scalar value of the tree
// (never in keys) in place, before decoding: line numbers stay those of the
// file, and since only a scalar's text changes, a variable can never add
// keys or items. A value that fails to expand is left as written, its
// problem is added to problems, and its path is returned in the skip set so
// later checks do not complain about it a second time.
func expandTree(root *yaml.Node, lookup func(string) (string, bool), problems *[]Problem) map[string]bool {
	skip := map[string]bool{}
	var walk func(n *yaml.Node, path string, line int)
	walk = func(n *yaml.Node, path string, line int) {
		switch n.Kind {
		case yaml.ScalarNode:
			v, err := expandEnv(n.Value, lookup)
			if err != nil {
				*problems = append(*problems, newProblem(path, line, err.Error()))
				skip[path] = true
				return
			}
			n.Value = v
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k := n.Content[i]
				walk(n.Content[i+1], joinKey(path, k.Value), k.Line)
			}
		case yaml.SequenceNode:
			for i, item := range n.Content {
				walk(item, joinIndex(path, i), item.Line)
			}
		}
		// Aliases are rejected by the decoder; following them here could
		// blow up on a document built to alias itself exponentially.
	}
	walk(root, "", root.Line)
	return skip
}

func joinKey(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func joinIndex(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}

// expandEnv expands ${NAME} from lookup and $$ to a single $. A $ followed
// by anything else is kept as it is. Expanded text is not expanded again.
// Errors name the variable but never quote the value around it, which may
// be a secret.
func expandEnv(s string, lookup func(string) (string, bool)) (string, error) {
	if !strings.Contains(s, "$") {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] != '$' || i+1 == len(s) {
			b.WriteByte(s[i])
			i++
			continue
		}
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			i += 2
		case '{':
			end := strings.IndexByte(s[i+2:], '}')
			if end < 0 {
				return "", errors.New(`unterminated "${"`)
			}
			name := s[i+2 : i+2+end]
			if !isVarName(name) {
				return "", errors.New(`invalid "${...}": a variable name is letters, digits and "_", not starting with a digit`)
			}
			v, ok := lookup(name)
			if !ok {
				return "", fmt.Errorf("environment variable %s is not set", name)
			}
			b.WriteString(v)
			i += end + 3
		default:
			b.WriteByte('$')
			i++
		}
	}
	return b.String(), nil
}

func isVarName(s string) bool {
	if s == "" || (s[0] >= '0' && s[0] <= '9') {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '_' && (c < '0' || c > '9') && (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') {
			return false
		}
	}
	return true
}
