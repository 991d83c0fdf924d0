using FhirServer.Storage;
using Microsoft.Data.Sqlite;

namespace FhirServer.Tests.Storage;

/// <summary>
/// The SQLite writer's statements run through the SQLite API: values bound by name as the SQL writes them, errors
/// reported as the <see cref="SqliteException"/> that the ADO.NET path would give (the store maps a unique
/// violation to a version conflict from it).
/// </summary>
public class SqliteStatementsTests
{
    private static readonly string[] Columns = ["id", "n", "r", "b", "t", "flag"];
    private const string Insert = "INSERT INTO t (id, n, r, b, t, flag) VALUES (@id, @n, @r, @b, @t, @flag)";

    private static SqliteConnection Open()
    {
        var connection = new SqliteConnection("Data Source=:memory:");
        connection.Open();
        using var create = connection.CreateCommand();
        create.CommandText = "CREATE TABLE t (id TEXT PRIMARY KEY, n INTEGER, r REAL, b BLOB, t TEXT, flag INTEGER)";
        create.ExecuteNonQuery();
        return connection;
    }

    [Test]
    public void Binds_each_kind_of_value_by_parameter_name()
    {
        using var connection = Open();
        using var statements = new SqliteStatements(connection);
        statements.Execute(Insert, Columns, ["a", 42L, 1.5, new byte[] { 1, 2, 3 }, "Hélène", true]);
        statements.Execute(Insert, Columns, ["b", 7, null, null, DBNull.Value, false]);

        using var read = connection.CreateCommand();
        read.CommandText = "SELECT id, n, r, b, t, flag FROM t ORDER BY id";
        using var reader = read.ExecuteReader();
        Assert.That(reader.Read(), Is.True);
        Assert.That((reader.GetString(0), reader.GetInt64(1), reader.GetDouble(2), reader.GetFieldValue<byte[]>(3), reader.GetString(4), reader.GetInt64(5)),
            Is.EqualTo(("a", 42L, 1.5, new byte[] { 1, 2, 3 }, "Hélène", 1L)));
        Assert.That(reader.Read(), Is.True);
        Assert.That((reader.GetString(0), reader.GetInt64(1), reader.IsDBNull(2), reader.IsDBNull(3), reader.IsDBNull(4), reader.GetInt64(5)),
            Is.EqualTo(("b", 7L, true, true, true, 0L)));
    }

    [Test]
    public void Returns_the_first_column_of_a_returning_statement()
    {
        using var connection = Open();
        using var statements = new SqliteStatements(connection);
        var first = statements.ExecuteInt64(Insert + " RETURNING rowid", Columns, ["a", 1, 0.0, null, null, false]);
        var second = statements.ExecuteInt64(Insert + " RETURNING rowid", Columns, ["b", 1, 0.0, null, null, false]);
        Assert.That(second, Is.EqualTo(first + 1));
    }

    [Test]
    public void A_constraint_violation_is_a_SqliteException_and_the_statement_stays_usable()
    {
        using var connection = Open();
        using var statements = new SqliteStatements(connection);
        statements.Execute(Insert, Columns, ["a", 1, 0.0, null, null, false]);

        var error = Assert.Throws<SqliteException>(() => statements.Execute(Insert, Columns, ["a", 2, 0.0, null, null, false]))!;
        Assert.That(error.SqliteErrorCode, Is.EqualTo(19), "SQLITE_CONSTRAINT, which the dialect reports as a unique violation");
        Assert.That(error.Message, Does.Contain("UNIQUE"));

        statements.Execute(Insert, Columns, ["b", 2, 0.0, null, null, false]);
        using var count = connection.CreateCommand();
        count.CommandText = "SELECT count(*) FROM t";
        Assert.That(count.ExecuteScalar(), Is.EqualTo(2L));
    }

    [Test]
    public void A_parameter_the_statement_lacks_is_refused()
    {
        using var connection = Open();
        using var statements = new SqliteStatements(connection);
        Assert.Throws<ArgumentException>(() => statements.Execute(Insert, ["id", "missing"], ["a", 1]));
        Assert.Throws<SqliteException>(() => statements.Execute("INSERT INTO nowhere VALUES (1)", [], []));
    }
}
