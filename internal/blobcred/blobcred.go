// Package blobcred says where the object-storage drivers colstate uses
// (gocloud.dev/blob) read their credentials, and recognises the errors of
// credentials a store refused. The state backend and the snapshot store
// share it, so both tell a user the same thing.
package blobcred

import (
	"errors"
	"fmt"
	"strings"

	"github.com/aws/smithy-go"
	"gocloud.dev/gcerrors"
)

// Where says where the driver of a URL scheme reads its credentials:
// always each cloud's own chain, never the URL.
func Where(scheme string) string {
	switch scheme {
	case "s3":
		return "the AWS SDK's default chain: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (with AWS_SESSION_TOKEN), AWS_PROFILE and ~/.aws/credentials, AWS_WEB_IDENTITY_TOKEN_FILE, or the instance/container role"
	case "gs":
		return "Google Application Default Credentials: GOOGLE_APPLICATION_CREDENTIALS, `gcloud auth application-default login`, or the workload's service account"
	case "azblob":
		return "AZURE_STORAGE_ACCOUNT with AZURE_STORAGE_KEY, AZURE_STORAGE_SAS_TOKEN or AZURE_STORAGE_CONNECTION_STRING, or Azure's default chain (AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET, managed identity, az login)"
	case "file":
		return "none: a local directory"
	case "mem":
		return "none: memory of this process only (for tests)"
	}
	return "none"
}

// Denied reports whether a store refused the credentials (or found none).
func Denied(err error) bool {
	if gcerrors.Code(err) == gcerrors.PermissionDenied {
		return true
	}
	switch Code(err) {
	case "AccessDenied", "SignatureDoesNotMatch", "InvalidAccessKeyId", "InvalidToken", "ExpiredToken", "Forbidden",
		"AuthenticationFailed", "AuthorizationFailure", "NoCredentialProviders":
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "StatusCode: 403") || strings.Contains(msg, "failed to retrieve credentials") ||
		strings.Contains(msg, "no EC2 IMDS role found") || strings.Contains(msg, "SignatureDoesNotMatch") ||
		strings.Contains(msg, "InvalidAccessKeyId") || strings.Contains(msg, "AccessDenied")
}

// Code names a refused request for messages: the store's error code when
// it gave one.
func Code(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	if strings.Contains(err.Error(), "failed to retrieve credentials") {
		return "no credentials found"
	}
	return "access denied"
}

// MissingBucket reports whether a store answered that the bucket (an Azure
// container) itself does not exist, as opposed to an object in it.
func MissingBucket(err error) bool {
	if err == nil {
		return false
	}
	var ae smithy.APIError
	if errors.As(err, &ae) && ae.ErrorCode() == "NoSuchBucket" {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "NoSuchBucket") || strings.Contains(msg, "ContainerNotFound") ||
		strings.Contains(msg, "bucket doesn't exist")
}

// MissingBucketHelp says that bucket does not exist and what to do.
func MissingBucketHelp(scheme, bucket string) string {
	create := "with your store's console or CLI"
	switch scheme {
	case "s3":
		create = "aws s3 mb s3://" + bucket + ", or your S3-compatible store's console"
	case "gs":
		create = "gcloud storage buckets create gs://" + bucket
	case "azblob":
		create = "az storage container create --name " + bucket
	}
	return fmt.Sprintf("bucket %q does not exist: create it (%s), or check the bucket name and the endpoint in the URL", bucket, create)
}
