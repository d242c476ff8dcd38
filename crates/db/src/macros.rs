//! Run one SQL text on whichever backend the `Db` (or `Tx`) holds. Reads go to the SQLite reader
//! pool, writes to its writer; PostgreSQL has one pool.

macro_rules! read_all {
    ($db:expr, $ty:ty, $sql:expr $(, $arg:expr)* $(,)?) => {
        match $db {
            $crate::Db::Sqlite { read, .. } => sqlx::query_as::<_, $ty>($sql)$(.bind($arg))*.fetch_all(read).await,
            $crate::Db::Postgres(p) => sqlx::query_as::<_, $ty>($sql)$(.bind($arg))*.fetch_all(p).await,
        }
    };
}

macro_rules! read_opt {
    ($db:expr, $ty:ty, $sql:expr $(, $arg:expr)* $(,)?) => {
        match $db {
            $crate::Db::Sqlite { read, .. } => sqlx::query_as::<_, $ty>($sql)$(.bind($arg))*.fetch_optional(read).await,
            $crate::Db::Postgres(p) => sqlx::query_as::<_, $ty>($sql)$(.bind($arg))*.fetch_optional(p).await,
        }
    };
}

macro_rules! read_scalar {
    ($db:expr, $ty:ty, $sql:expr $(, $arg:expr)* $(,)?) => {
        match $db {
            $crate::Db::Sqlite { read, .. } => sqlx::query_scalar::<_, $ty>($sql)$(.bind($arg))*.fetch_one(read).await,
            $crate::Db::Postgres(p) => sqlx::query_scalar::<_, $ty>($sql)$(.bind($arg))*.fetch_one(p).await,
        }
    };
}

/// Executes a write; answers the number of rows affected.
macro_rules! write_exec {
    ($db:expr, $sql:expr $(, $arg:expr)* $(,)?) => {
        match $db {
            $crate::Db::Sqlite { write, .. } => sqlx::query($sql)$(.bind($arg))*.execute(write).await.map(|r| r.rows_affected()),
            $crate::Db::Postgres(p) => sqlx::query($sql)$(.bind($arg))*.execute(p).await.map(|r| r.rows_affected()),
        }
    };
}

/// A write with `RETURNING`, one row expected or none.
macro_rules! write_opt {
    ($db:expr, $ty:ty, $sql:expr $(, $arg:expr)* $(,)?) => {
        match $db {
            $crate::Db::Sqlite { write, .. } => sqlx::query_as::<_, $ty>($sql)$(.bind($arg))*.fetch_optional(write).await,
            $crate::Db::Postgres(p) => sqlx::query_as::<_, $ty>($sql)$(.bind($arg))*.fetch_optional(p).await,
        }
    };
}

macro_rules! write_scalar {
    ($db:expr, $ty:ty, $sql:expr $(, $arg:expr)* $(,)?) => {
        match $db {
            $crate::Db::Sqlite { write, .. } => sqlx::query_scalar::<_, $ty>($sql)$(.bind($arg))*.fetch_one(write).await,
            $crate::Db::Postgres(p) => sqlx::query_scalar::<_, $ty>($sql)$(.bind($arg))*.fetch_one(p).await,
        }
    };
}

macro_rules! tx_exec {
    ($tx:expr, $sql:expr $(, $arg:expr)* $(,)?) => {
        match $tx {
            $crate::Tx::Sqlite(t) => sqlx::query($sql)$(.bind($arg))*.execute(&mut **t).await.map(|r| r.rows_affected()),
            $crate::Tx::Postgres(t) => sqlx::query($sql)$(.bind($arg))*.execute(&mut **t).await.map(|r| r.rows_affected()),
        }
    };
}

macro_rules! tx_scalar {
    ($tx:expr, $ty:ty, $sql:expr $(, $arg:expr)* $(,)?) => {
        match $tx {
            $crate::Tx::Sqlite(t) => sqlx::query_scalar::<_, $ty>($sql)$(.bind($arg))*.fetch_one(&mut **t).await,
            $crate::Tx::Postgres(t) => sqlx::query_scalar::<_, $ty>($sql)$(.bind($arg))*.fetch_one(&mut **t).await,
        }
    };
}

pub(crate) use {
    read_all, read_opt, read_scalar, tx_exec, tx_scalar, write_exec, write_opt, write_scalar,
};
