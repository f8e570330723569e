package config

import (
	"fmt"
	"os"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
)

// evalContext holds the functions HCL expressions may call.
var evalContext = &hcl.EvalContext{
	Functions: map[string]function.Function{
		"env": envFunc,
	},
}

// envFunc is env("NAME") or env("NAME", "default"): the value of an
// environment variable, the default when it is unset, and an error naming
// the variable when it is unset and there is no default.
var envFunc = function.New(&function.Spec{
	Description: "Returns the value of an environment variable, or the default when it is unset.",
	Params:      []function.Parameter{{Name: "name", Type: cty.String}},
	VarParam:    &function.Parameter{Name: "default", Type: cty.String},
	Type:        function.StaticReturnType(cty.String),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		if len(args) > 2 {
			return cty.NilVal, fmt.Errorf("env takes a name and at most one default, got %d arguments", len(args))
		}
		name := args[0].AsString()
		if v, ok := os.LookupEnv(name); ok {
			return cty.StringVal(v), nil
		}
		if len(args) == 2 {
			return args[1], nil
		}
		return cty.NilVal, fmt.Errorf("environment variable %s is not set; set it, or give a default: env(%q, \"...\")", name, name)
	},
})
