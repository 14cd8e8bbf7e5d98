-- Loans are sharded by user_id; products are the same everywhere; the audit log lives in one database.
CREATE TABLE t_loan (
  id BIGINT NOT NULL,
  user_id BIGINT NOT NULL,
  amount_cents BIGINT NOT NULL,
  PRIMARY KEY (id),
  KEY idx_user (user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE t_product (
  code VARCHAR(32) NOT NULL,
  name VARCHAR(128) NOT NULL,
  PRIMARY KEY (code)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE t_audit (
  id BIGINT NOT NULL,
  action VARCHAR(64) NOT NULL,
  at DATETIME NOT NULL,
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
