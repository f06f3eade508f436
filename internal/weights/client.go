package weights

import (
	"net/http"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// idleConnsPerHost is how many idle connections to the S3 endpoint the
// client keeps. The SDK's default HTTP client keeps 10, so with the default
// 16 requests in flight every sixth response closed its connection and the
// next GET dialled (and, against S3, negotiated TLS) again.
const idleConnsPerHost = 64

// KeepConnections makes an S3 client built with the SDK's default HTTP
// client keep enough idle connections for the sync's parallel GETs. Use it
// as an s3.Options function; other HTTP clients are left as they are.
func KeepConnections(o *s3.Options) {
	if c, ok := o.HTTPClient.(*awshttp.BuildableClient); ok {
		o.HTTPClient = c.WithTransportOptions(func(t *http.Transport) {
			t.MaxIdleConnsPerHost = max(t.MaxIdleConnsPerHost, idleConnsPerHost)
			t.MaxIdleConns = max(t.MaxIdleConns, idleConnsPerHost)
		})
	}
}
