-- Each user's game profile and what they have earned.
CREATE TABLE gamification_profile (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL,
    display_name varchar(100),
    level integer NOT NULL DEFAULT 1,
    xp bigint NOT NULL DEFAULT 0,
    streak_days integer NOT NULL DEFAULT 0,
    last_activity_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    CONSTRAINT gamification_profile_user_id_key UNIQUE (user_id),
    CONSTRAINT gamification_profile_level_check CHECK (level >= 1),
    CONSTRAINT gamification_profile_xp_check CHECK (xp >= 0)
);
CREATE TRIGGER gamification_profile_set_updated_at BEFORE UPDATE ON gamification_profile
    FOR EACH ROW EXECUTE FUNCTION shared.set_updated_at();

CREATE TABLE gamification_user_achievement (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    profile_id uuid NOT NULL,
    achievement_id uuid NOT NULL,
    level smallint NOT NULL DEFAULT 1,
    progress integer NOT NULL DEFAULT 0,
    unlocked_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    CONSTRAINT gamification_user_achievement_key UNIQUE (profile_id, achievement_id, level),
    CONSTRAINT gamification_user_achievement_gamification_profile_fk FOREIGN KEY (profile_id)
        REFERENCES gamification_profile (id) ON DELETE CASCADE,
    CONSTRAINT gamification_user_achievement_gamification_achievement_fk FOREIGN KEY (achievement_id)
        REFERENCES gamification_achievement (id) ON DELETE RESTRICT
);
CREATE INDEX gamification_user_achievement_achievement_id_idx ON gamification_user_achievement (achievement_id);
CREATE TRIGGER gamification_user_achievement_set_updated_at BEFORE UPDATE ON gamification_user_achievement
    FOR EACH ROW EXECUTE FUNCTION shared.set_updated_at();

CREATE TABLE gamification_user_quest (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    profile_id uuid NOT NULL,
    quest_id uuid NOT NULL,
    status varchar(20) NOT NULL DEFAULT 'in_progress',
    progress jsonb NOT NULL DEFAULT '{}'::jsonb,
    completed_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    CONSTRAINT gamification_user_quest_key UNIQUE (profile_id, quest_id),
    CONSTRAINT gamification_user_quest_gamification_profile_fk FOREIGN KEY (profile_id)
        REFERENCES gamification_profile (id) ON DELETE CASCADE,
    CONSTRAINT gamification_user_quest_gamification_quest_fk FOREIGN KEY (quest_id)
        REFERENCES gamification_quest (id) ON DELETE CASCADE,
    CONSTRAINT gamification_user_quest_status_check CHECK (status IN ('in_progress', 'completed', 'expired'))
);
CREATE INDEX gamification_user_quest_quest_id_idx ON gamification_user_quest (quest_id);
CREATE TRIGGER gamification_user_quest_set_updated_at BEFORE UPDATE ON gamification_user_quest
    FOR EACH ROW EXECUTE FUNCTION shared.set_updated_at();

CREATE TABLE gamification_user_reward (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    profile_id uuid NOT NULL,
    reward_id uuid NOT NULL,
    redeemed_at timestamptz NOT NULL DEFAULT now(),
    voucher_code varchar(50),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    CONSTRAINT gamification_user_reward_gamification_profile_fk FOREIGN KEY (profile_id)
        REFERENCES gamification_profile (id) ON DELETE CASCADE,
    CONSTRAINT gamification_user_reward_gamification_reward_fk FOREIGN KEY (reward_id)
        REFERENCES gamification_reward (id) ON DELETE RESTRICT
);
CREATE INDEX gamification_user_reward_profile_id_idx ON gamification_user_reward (profile_id);
CREATE INDEX gamification_user_reward_reward_id_idx ON gamification_user_reward (reward_id);
