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

func TestMissingBucket(t *testing.T) {
	for msg, want := range map[string]bool{
		"operation error S3: ListObjectsV2, https response error StatusCode: 404, NoSuchBucket: The specified bucket does not exist.": true,
		"storage: bucket doesn't exist":                       true,
		"RESPONSE 404: ContainerNotFound":                     true,
		"operation error S3: GetObject, NoSuchKey: not found": false,
		"api error AccessDenied: Access Denied":               false,
		"dial tcp 127.0.0.1:1: connect: connection refused":   false,
	} {
		if got := MissingBucket(errors.New(msg)); got != want {
			t.Errorf("MissingBucket(%q) = %v, want %v", msg, got, want)
		}
	}
	if MissingBucket(nil) {
		t.Error("MissingBucket(nil) = true")
	}
	for scheme, want := range map[string]string{"s3": "aws s3 mb s3://b", "gs": "gcloud storage buckets create gs://b", "azblob": "az storage container create --name b"} {
		if got := MissingBucketHelp(scheme, "b"); !strings.Contains(got, want) || !strings.Contains(got, `bucket "b" does not exist`) {
			t.Errorf("MissingBucketHelp(%s) = %q, want it to say %q", scheme, got, want)
		}
	}
}
