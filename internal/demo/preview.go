package demo

import "context"

func (d *Demo) labelPreview(ctx context.Context) error { return nil }

func (d *Demo) unlabelPreview(ctx context.Context) error { return nil }
