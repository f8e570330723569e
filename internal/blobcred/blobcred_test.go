package blobcred

import (
	"errors"
	"strings"
	"testing"
)

func TestDenied(t *testing.T) {
	for msg, want := range map[string]bool{
		"operation error S3: PutObject, https response error StatusCode: 403, RequestID: x, api error Unknown": true,
		"api error SignatureDoesNotMatch: the signature does not match":                                        true,
		"get identity: failed to retrieve credentials":                                                         true,
		"dial tcp 127.0.0.1:1: connect: connection refused":                                                    false,
		"NoSuchBucket: the bucket does not exist":                                                              false,
	} {
		if got := Denied(errors.New(msg)); got != want {
			t.Errorf("Denied(%q) = %v, want %v", msg, got, want)
		}
	}
}

func TestWhereNamesEachChain(t *testing.T) {
	for scheme, want := range map[string]string{"s3": "AWS_ACCESS_KEY_ID", "gs": "GOOGLE_APPLICATION_CREDENTIALS", "azblob": "AZURE_STORAGE_ACCOUNT", "file": "none"} {
		if got := Where(scheme); !strings.Contains(got, want) {
			t.Errorf("Where(%s) = %q, want it to name %s", scheme, got, want)
		}
	}
}
