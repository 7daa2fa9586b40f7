CREATE TABLE articles (
	id INTEGER NOT NULL, 
	url VARCHAR(2048), 
	title TEXT, 
	outlet VARCHAR(512), 
	author VARCHAR(512), 
	published DATETIME, 
	origin TEXT NOT NULL, 
	language VARCHAR(16), 
	text TEXT NOT NULL, 
	content_hash VARCHAR(64) NOT NULL, 
	version INTEGER NOT NULL, 
	duplicate_of INTEGER, 
	minhash BLOB, 
	ingested_at DATETIME NOT NULL, 
	analysed_version INTEGER, 
	PRIMARY KEY (id), 
	FOREIGN KEY(duplicate_of) REFERENCES articles (id)
);
CREATE INDEX ix_articles_duplicate_of ON articles (duplicate_of);
CREATE INDEX ix_articles_url ON articles (url);
CREATE INDEX ix_articles_published ON articles (published);
CREATE INDEX ix_articles_content_hash ON articles (content_hash);
CREATE INDEX ix_articles_outlet ON articles (outlet);
CREATE TABLE claims (
	id INTEGER NOT NULL, 
	text TEXT NOT NULL, 
	text_hash VARCHAR(64) NOT NULL, 
	origin VARCHAR(64) NOT NULL, 
	created DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (text_hash)
);
CREATE TABLE embeddings (
	id INTEGER NOT NULL, 
	"key" VARCHAR(40) NOT NULL, 
	model VARCHAR(64) NOT NULL, 
	vector BLOB NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE ("key", model)
);
CREATE TABLE article_versions (
	id INTEGER NOT NULL, 
	article_id INTEGER NOT NULL, 
	version INTEGER NOT NULL, 
	text TEXT NOT NULL, 
	content_hash VARCHAR(64) NOT NULL, 
	title TEXT, 
	fetched_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (article_id, version), 
	FOREIGN KEY(article_id) REFERENCES articles (id), 
	UNIQUE (content_hash)
);
CREATE INDEX ix_article_versions_article_id ON article_versions (article_id);
CREATE TABLE attributions (
	id INTEGER NOT NULL, 
	article_id INTEGER NOT NULL, 
	version INTEGER NOT NULL, 
	source TEXT NOT NULL, 
	cue VARCHAR(256) NOT NULL, 
	content TEXT NOT NULL, 
	kind VARCHAR(16) NOT NULL, 
	hedged BOOLEAN NOT NULL, 
	denial BOOLEAN NOT NULL, 
	confirmation BOOLEAN NOT NULL, 
	channel TEXT, 
	offsets JSON NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(article_id) REFERENCES articles (id)
);
CREATE INDEX ix_attributions_article_id ON attributions (article_id);
CREATE TABLE stance_results (
	id INTEGER NOT NULL, 
	claim_id INTEGER NOT NULL, 
	article_id INTEGER NOT NULL, 
	article_version INTEGER NOT NULL, 
	label VARCHAR(16) NOT NULL, 
	probabilities JSON NOT NULL, 
	evidence JSON NOT NULL, 
	model_version VARCHAR(128) NOT NULL, 
	similarity FLOAT, 
	created DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (claim_id, article_id), 
	FOREIGN KEY(claim_id) REFERENCES claims (id), 
	FOREIGN KEY(article_id) REFERENCES articles (id)
);
CREATE INDEX ix_stance_results_article_id ON stance_results (article_id);
CREATE INDEX ix_stance_results_label ON stance_results (label);
CREATE INDEX ix_stance_results_claim_id ON stance_results (claim_id);
CREATE TABLE checkworthy (
	id INTEGER NOT NULL, 
	article_id INTEGER NOT NULL, 
	version INTEGER NOT NULL, 
	text TEXT NOT NULL, 
	score FLOAT NOT NULL, 
	start INTEGER NOT NULL, 
	"end" INTEGER NOT NULL, 
	attributed BOOLEAN NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(article_id) REFERENCES articles (id)
);
CREATE INDEX ix_checkworthy_article_id ON checkworthy (article_id);
