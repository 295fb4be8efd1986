-- Leaderboards: materialized, refreshed by the engine (REFRESH ... CONCURRENTLY, hence the
-- unique index) every few minutes.
CREATE MATERIALIZED VIEW gamification_leaderboard AS
    SELECT p.user_id,
           p.display_name,
           p.level,
           p.xp,
           rank() OVER (ORDER BY p.xp DESC) AS position
    FROM gamification_profile p
    WHERE p.deleted_at IS NULL;
CREATE UNIQUE INDEX gamification_leaderboard_user_id_key ON gamification_leaderboard (user_id);
CREATE INDEX gamification_leaderboard_position_idx ON gamification_leaderboard (position);

CREATE MATERIALIZED VIEW gamification_weekly_leaderboard AS
    SELECT e.user_id,
           e.journey,
           date_trunc('week', e.occurred_at AT TIME ZONE 'America/Sao_Paulo') AS week,
           sum(e.xp_awarded) AS xp
    FROM gamification_event e
    WHERE e.deleted_at IS NULL
    GROUP BY 1, 2, 3;
CREATE UNIQUE INDEX gamification_weekly_leaderboard_key
    ON gamification_weekly_leaderboard (week, journey, user_id);
CREATE INDEX gamification_weekly_leaderboard_rank_idx
    ON gamification_weekly_leaderboard (week, journey, xp DESC);
