using System.CommandLine;
using FhirServer.Conformance.Serialization;

namespace FhirServer.Cli;

/// <summary><c>convert &lt;in&gt; &lt;out&gt;</c>: JSON ↔ XML, the formats chosen by the file extensions.</summary>
internal static class ConvertCommand
{
    public static Command Create()
    {
        var input = new Argument<FileInfo>("in") { Description = "Resource file to read (.json or .xml)" };
        var output = new Argument<FileInfo>("out") { Description = "File to write (.json or .xml)" };
        var force = new Option<bool>("--force") { Description = "Write the output even when the input has errors" };
        var command = new Command("convert", "Convert a resource between FHIR JSON and FHIR XML (by file extension)") { input, output, force };
        CliContext.AddPackageOptions(command);
        command.SetAction(async (result, ct) =>
        {
            var inFile = result.GetValue(input)!;
            var outFile = result.GetValue(output)!;
            if (!inFile.Exists)
            {
                Console.Error.WriteLine($"convert: {inFile.FullName} does not exist");
                return 2;
            }
            var context = await CliContext.LoadAsync(result);
            var parsed = CliContext.Parse(context, inFile.FullName);
            CliContext.PrintIssues(parsed.Issues, inFile.Name);
            if (parsed.Resource is null || (parsed.HasErrors && !result.GetValue(force)))
            {
                Console.Error.WriteLine("convert: the input has errors; nothing written (use --force to write anyway)");
                return 1;
            }
            var bytes = CliContext.IsXml(outFile.FullName)
                ? FhirXmlWriter.WriteToBytes(parsed.Resource, pretty: true)
                : FhirJsonWriter.WriteToBytes(parsed.Resource, pretty: true);
            await File.WriteAllBytesAsync(outFile.FullName, bytes, ct);
            Console.WriteLine($"wrote {outFile.FullName} ({bytes.Length:N0} bytes)");
            return 0;
        });
        return command;
    }
}
