package awsfake

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
)

// Logs is a fake CloudWatch Logs holding streams of events. GetLogEvents
// pages forward with tokens like the real service: at the end of a stream it
// returns the token it was given, and a stream that does not exist yet is
// ResourceNotFoundException "The specified log stream does not exist.".
type Logs struct {
	mu      sync.Mutex
	streams map[string][]string // group + "\x00" + stream → messages
	// PageSize bounds the events per answer (default 2, to exercise paging).
	PageSize int
	// Calls counts GetLogEvents requests.
	Calls int
}

// NewLogs returns an empty fake.
func NewLogs() *Logs { return &Logs{streams: map[string][]string{}, PageSize: 2} }

// Put appends one event to a stream, creating it.
func (l *Logs) Put(group, stream, msg string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	k := group + "\x00" + stream
	l.streams[k] = append(l.streams[k], msg)
}

// GetLogEvents returns the events after the token (forward tokens "f/<n>").
func (l *Logs) GetLogEvents(_ context.Context, in *cloudwatchlogs.GetLogEventsInput, _ ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.GetLogEventsOutput, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.Calls++
	msgs, ok := l.streams[aws.ToString(in.LogGroupName)+"\x00"+aws.ToString(in.LogStreamName)]
	if !ok {
		return nil, apiError("ResourceNotFoundException", "The specified log stream does not exist.")
	}
	from := 0
	if tok := aws.ToString(in.NextToken); tok != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(tok, "f/"))
		if err != nil || !strings.HasPrefix(tok, "f/") {
			return nil, apiError("InvalidParameterException", "The specified nextToken is invalid.")
		}
		from = n
	}
	to := min(from+l.PageSize, len(msgs))
	out := &cloudwatchlogs.GetLogEventsOutput{NextForwardToken: aws.String(fmt.Sprintf("f/%d", to)), NextBackwardToken: aws.String(fmt.Sprintf("b/%d", from))}
	for i := from; i < to; i++ {
		out.Events = append(out.Events, types.OutputLogEvent{Message: aws.String(msgs[i]), Timestamp: aws.Int64(int64(i))})
	}
	return out, nil
}
