//go:build unix

package weights

import (
	"net/http"
	"testing"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

func TestKeepConnectionsKeepsOneIdleConnectionPerRequestSlot(t *testing.T) {
	t.Parallel()
	o := s3.Options{HTTPClient: awshttp.NewBuildableClient()}
	KeepConnections(&o)
	tr := o.HTTPClient.(*awshttp.BuildableClient).GetTransport()
	if tr.MaxIdleConnsPerHost < DefaultConcurrency {
		t.Errorf("MaxIdleConnsPerHost = %d, want at least the %d requests in flight", tr.MaxIdleConnsPerHost, DefaultConcurrency)
	}

	other := &http.Client{}
	o = s3.Options{HTTPClient: other}
	KeepConnections(&o)
	if o.HTTPClient != other {
		t.Error("a caller's own HTTP client was replaced")
	}
}
