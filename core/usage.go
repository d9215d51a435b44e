package core

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/companionhub/companionhub/adapter/prom"
	"github.com/companionhub/companionhub/adapter/sqlstore"
	"github.com/companionhub/companionhub/domain"
	chatdomain "github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/usecase"
	chatuc "github.com/companionhub/companionhub/usecase/chat"
	"github.com/companionhub/companionhub/usecase/decorator"
	"github.com/companionhub/companionhub/usecase/usage"
)

// Usage: the meter every instrumented provider counts into, the instruments themselves, the
// quotas and reports, and the business metrics.

// meterCloseTimeout bounds the last write of counted usage when a hub or worker closes.
const meterCloseTimeout = 10 * time.Second

func provideMeter(cfg Config, store usage.Store, clock usecase.Clock, log *zap.Logger) (*usage.Meter, func()) {
	m := usage.NewMeter(store, clock, cfg.Usage.FlushInterval, func(err error) {
		log.Warn("counted usage could not be written; it is kept for the next write", zap.Error(err))
	})
	return m, func() {
		ctx, cancel := context.WithTimeout(context.Background(), meterCloseTimeout)
		defer cancel()
		if err := m.Close(ctx); err != nil {
			log.Error("counted usage was lost at shutdown", zap.Error(err))
		}
	}
}

func provideProviderMetrics(reg *prometheus.Registry) (*prom.ProviderMetrics, error) {
	return prom.NewProviderMetrics(reg)
}

// provideInstruments are what wraps every provider port: the meter, the provider metrics, the
// observers an embedder brought (WithCallObserver), and the tokenizer that counts what providers
// do not say.
func provideInstruments(m *usage.Meter, pm *prom.ProviderMetrics, tokens chatuc.TokenCounter, o *options) usage.Instruments {
	obs := append([]usage.CallObserver{pm}, o.callObservers...)
	return usage.Instruments{Meter: m, Observers: obs, Tokens: tokens.Count}
}

func provideBusinessMetrics(reg *prometheus.Registry, db *sqlstore.DB, log *zap.Logger) (*prom.BusinessMetrics, error) {
	return prom.NewBusinessMetrics(reg, db.ActiveToday, func(err error) {
		log.Warn("the active people could not be counted for /metrics", zap.Error(err))
	})
}

// provideUsage is the usage use cases: reports priced with the price table the settings name,
// quotas with the settings' defaults.
func provideUsage(cfg Config, store usage.Store, m *usage.Meter, clock usecase.Clock, obs []decorator.Observer) (*usage.App, error) {
	prices, err := loadPrices(cfg.Usage.PricesFile)
	if err != nil {
		return nil, err
	}
	return usage.NewApp(usage.Deps{Store: store, Meter: m, Prices: prices, Clock: clock, Defaults: usage.Limits{
		Tokens: &cfg.Usage.DailyTokens, Pictures: &cfg.Usage.DailyPictures, Speech: &cfg.Usage.DailySpeech}}, obs...)
}

// quota is the gate of one quota, as the features ask it.
func quota(u *usage.App, q usage.Quota) func(context.Context, domain.ID) error {
	return func(ctx context.Context, owner domain.ID) error { return u.Gate.Allow(ctx, owner, q) }
}

// turnEnded counts ended turns in the business metrics.
func turnEnded(b *prom.BusinessMetrics) func(context.Context, chatdomain.Status) {
	return func(ctx context.Context, s chatdomain.Status) { b.TurnEnded(ctx, s.String()) }
}
