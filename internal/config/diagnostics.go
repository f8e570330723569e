package config

import (
	"fmt"
	"io"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// WriteDiagnostics prints each diagnostic on one line as
// "file.hcl:line:col: summary: detail", the form editors and CI logs link.
func WriteDiagnostics(w io.Writer, diags hcl.Diagnostics) {
	for _, d := range diags {
		var b strings.Builder
		if d.Subject != nil {
			fmt.Fprintf(&b, "%s:%d:%d: ", d.Subject.Filename, d.Subject.Start.Line, d.Subject.Start.Column)
		}
		if d.Severity == hcl.DiagWarning {
			b.WriteString("warning: ")
		}
		b.WriteString(d.Summary)
		if d.Detail != "" {
			b.WriteString(": ")
			b.WriteString(strings.TrimSuffix(strings.TrimSpace(d.Detail), "."))
		}
		fmt.Fprintln(w, b.String())
	}
}

// pos renders where a range starts as file:line:col.
func pos(r hcl.Range) string {
	return fmt.Sprintf("%s:%d:%d", r.Filename, r.Start.Line, r.Start.Column)
}
