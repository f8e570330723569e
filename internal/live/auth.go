package live

import (
	"fmt"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// rpcHint gives a gRPC authentication failure the same hint as REST's 401
// and 403 (StatusError): the bare "code = Unauthenticated" does not say
// which setting to check.
func rpcHint(err error) error {
	switch status.Code(err) {
	case codes.Unauthenticated:
		return fmt.Errorf("%w (unauthorized: check the api_key in the weaviate block or WEAVIATE_API_KEY)", err)
	case codes.PermissionDenied:
		return fmt.Errorf("%w (forbidden: the API key lacks the permission for this)", err)
	}
	return err
}
