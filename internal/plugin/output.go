package plugin

import (
	"encoding/json"
	"fmt"
	"io"

	"sigs.k8s.io/yaml"
)

// Formats of -o.
const (
	FormatText = ""
	FormatJSON = "json"
	FormatYAML = "yaml"
)

// CheckFormat refuses a format other than json, yaml or none.
func CheckFormat(f string) error {
	switch f {
	case FormatText, FormatJSON, FormatYAML:
		return nil
	}
	return fmt.Errorf("-o %q: want json or yaml (or none, for text)", f)
}

// Encode writes v as JSON or YAML.
func Encode(w io.Writer, format string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	if format == FormatYAML {
		if b, err = yaml.JSONToYAML(b); err != nil {
			return err
		}
	} else {
		b = append(b, '\n')
	}
	_, err = w.Write(b)
	return err
}
