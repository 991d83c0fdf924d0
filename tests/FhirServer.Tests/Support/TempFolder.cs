namespace FhirServer.Tests.Support;

/// <summary>Deletes a test's temporary folder, waiting a little for a store's background work to close its files.</summary>
public static class TempFolder
{
    public static void Delete(string path)
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        for (var attempt = 0; Directory.Exists(path); attempt++)
        {
            try
            {
                Directory.Delete(path, recursive: true);
            }
            catch (IOException) when (attempt < 20)
            {
                Thread.Sleep(100);
            }
        }
    }
}
