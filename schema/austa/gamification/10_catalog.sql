-- What can be earned: achievements, quests, rewards, and the rules that award them.
CREATE TABLE gamification_achievement (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    code varchar(50) NOT NULL,
    title varchar(200) NOT NULL,
    description text,
    journey varchar(20) NOT NULL,
    icon varchar(100),
    xp_reward integer NOT NULL DEFAULT 0,
    levels smallint NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    CONSTRAINT gamification_achievement_code_key UNIQUE (code),
    CONSTRAINT gamification_achievement_journey_check CHECK (journey IN ('health', 'care', 'plan', 'cross')),
    CONSTRAINT gamification_achievement_xp_check CHECK (xp_reward >= 0),
    CONSTRAINT gamification_achievement_levels_check CHECK (levels BETWEEN 1 AND 10)
);
CREATE TRIGGER gamification_achievement_set_updated_at BEFORE UPDATE ON gamification_achievement
    FOR EACH ROW EXECUTE FUNCTION shared.set_updated_at();

CREATE TABLE gamification_quest (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    title varchar(200) NOT NULL,
    description text,
    journey varchar(20) NOT NULL,
    xp_reward integer NOT NULL DEFAULT 0,
    steps jsonb NOT NULL DEFAULT '[]'::jsonb,
    starts_at timestamptz,
    ends_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    CONSTRAINT gamification_quest_journey_check CHECK (journey IN ('health', 'care', 'plan', 'cross')),
    CONSTRAINT gamification_quest_window_check CHECK (ends_at IS NULL OR starts_at IS NULL OR ends_at > starts_at)
);
CREATE INDEX gamification_quest_available_idx ON gamification_quest (journey, ends_at)
    WHERE deleted_at IS NULL;
CREATE TRIGGER gamification_quest_set_updated_at BEFORE UPDATE ON gamification_quest
    FOR EACH ROW EXECUTE FUNCTION shared.set_updated_at();

CREATE TABLE gamification_reward (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    title varchar(200) NOT NULL,
    description text,
    xp_cost integer NOT NULL,
    stock integer,
    partner varchar(100),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    CONSTRAINT gamification_reward_cost_check CHECK (xp_cost > 0),
    CONSTRAINT gamification_reward_stock_check CHECK (stock IS NULL OR stock >= 0)
);
CREATE TRIGGER gamification_reward_set_updated_at BEFORE UPDATE ON gamification_reward
    FOR EACH ROW EXECUTE FUNCTION shared.set_updated_at();

-- Rules match an event type and a JSON condition over the event payload.
CREATE TABLE gamification_rule (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name varchar(100) NOT NULL,
    event_type varchar(100) NOT NULL,
    condition jsonb NOT NULL DEFAULT '{}'::jsonb,
    actions jsonb NOT NULL,
    achievement_id uuid,
    priority smallint NOT NULL DEFAULT 100,
    is_active boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    CONSTRAINT gamification_rule_name_key UNIQUE (name),
    CONSTRAINT gamification_rule_gamification_achievement_fk FOREIGN KEY (achievement_id)
        REFERENCES gamification_achievement (id) ON DELETE SET NULL
);
CREATE INDEX gamification_rule_achievement_id_idx ON gamification_rule (achievement_id);
CREATE INDEX gamification_rule_active_event_idx ON gamification_rule (event_type, priority)
    WHERE is_active AND deleted_at IS NULL;
CREATE INDEX gamification_rule_condition_idx ON gamification_rule USING gin (condition);
CREATE TRIGGER gamification_rule_set_updated_at BEFORE UPDATE ON gamification_rule
    FOR EACH ROW EXECUTE FUNCTION shared.set_updated_at();
