package community

import (
	"context"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/audit"
)

// MaxReportDetails bounds a report's free text.
const MaxReportDetails = 2000

// ReportCompanion files a person's report about a published companion, for moderators.
type ReportCompanion struct {
	UserID      domain.ID
	CompanionID domain.ID
	Reason      string
	Details     string
	Meta        audit.Meta
}

type reportHandler struct{ d Deps }

func (h reportHandler) Handle(ctx context.Context, in ReportCompanion) (struct{}, error) {
	if in.UserID.IsZero() {
		return struct{}{}, ErrAccountNeeded
	}
	details := strings.TrimSpace(in.Details)
	var bad []domain.FieldViolation
	if !slices.Contains(ReportReasons, in.Reason) {
		bad = append(bad, domain.Violation("reason", "one_of", "reason must be one of "+strings.Join(ReportReasons, ", ")))
	}
	if utf8.RuneCountInString(details) > MaxReportDetails {
		bad = append(bad, domain.Violation("details", "too_long", "details are at most 2000 characters"))
	}
	if len(bad) > 0 {
		return struct{}{}, domain.Invalid(bad...)
	}
	if _, err := h.d.visible(ctx, in.UserID, in.CompanionID); err != nil {
		return struct{}{}, err
	}
	if err := h.d.Guard.Check(ctx, h.d.Policy.Change, in.UserID.String()); err != nil {
		return struct{}{}, err
	}
	now := h.d.Clock.Now()
	r := Report{ID: domain.NewID(now), CompanionID: in.CompanionID, ReporterID: in.UserID, Reason: in.Reason, Details: details, At: now}
	if err := h.d.Store.AddReport(ctx, r); err != nil {
		return struct{}{}, err
	}
	h.d.record(ctx, audit.New(now, in.UserID, audit.ActionCommunityReport, audit.ResourceCompanion, in.CompanionID.String(), in.Meta).
		With("reason", in.Reason))
	return struct{}{}, nil
}

// ListReports lists the reports about a companion, newest first (moderation).
type ListReports struct {
	CompanionID domain.ID
}

type listReportsHandler struct{ d Deps }

func (h listReportsHandler) Handle(ctx context.Context, in ListReports) ([]Report, error) {
	return h.d.Store.Reports(ctx, in.CompanionID)
}
