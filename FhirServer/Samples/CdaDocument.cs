using System.Text;
using System.Xml;

namespace FhirServer.Samples;

/// <summary>What a CDA document says about its patient, author and act.</summary>
internal sealed record CdaHeader(
    string DocumentOid, string TypeCode, string TypeDisplay, string Title, DateTimeOffset Effective,
    string Nir, string Family, string Given, bool Female, DateOnly BirthDate,
    string AuthorIdNatPs, string AuthorFamily, string AuthorGiven, string OrganizationIdNatSt, string OrganizationName);

/// <summary>
/// A CDA R2 document as the DMP receives them (HL7 CDA R2, ANS CI-SIS "volet structuration minimale"): the header
/// (patient by INS, author by IdNatPS, custodian structure by IdNatSt) and a non-XML body carrying the PDF in
/// base64 — a "CDA de niveau 1".
/// </summary>
internal static class CdaDocument
{
    private const string Hl7 = "urn:hl7-org:v3";
    private const string InsNirTestOid = "1.2.250.1.213.1.4.10";
    private const string IdNatPsOid = "1.2.250.1.71.4.2.1";
    private const string IdNatStOid = "1.2.250.1.71.4.2.2";

    public static byte[] Create(CdaHeader h, byte[] pdf)
    {
        using var buffer = new MemoryStream();
        var settings = new XmlWriterSettings { Encoding = new UTF8Encoding(false), Indent = true, IndentChars = "  " };
        using (var x = XmlWriter.Create(buffer, settings))
        {
            x.WriteStartDocument();
            x.WriteStartElement("ClinicalDocument", Hl7);
            Empty(x, "realmCode", ("code", "FR"));
            Empty(x, "typeId", ("root", "2.16.840.1.113883.1.3"), ("extension", "POCD_HD000040"));
            Empty(x, "templateId", ("root", "2.16.840.1.113883.2.8.2.1"));
            Empty(x, "templateId", ("root", "1.2.250.1.213.1.1.1.1"));
            Empty(x, "id", ("root", h.DocumentOid));
            Empty(x, "code", ("code", h.TypeCode), ("displayName", h.TypeDisplay), ("codeSystem", "2.16.840.1.113883.6.1"), ("codeSystemName", "LOINC"));
            x.WriteElementString("title", Hl7, h.Title);
            Empty(x, "effectiveTime", ("value", Ts(h.Effective)));
            Empty(x, "confidentialityCode", ("code", "N"), ("codeSystem", "2.16.840.1.113883.5.25"));
            Empty(x, "languageCode", ("code", "fr-FR"));
            Empty(x, "setId", ("root", h.DocumentOid + ".0"));
            Empty(x, "versionNumber", ("value", "1"));

            x.WriteStartElement("recordTarget", Hl7);
            x.WriteStartElement("patientRole", Hl7);
            Empty(x, "id", ("root", InsNirTestOid), ("extension", h.Nir));
            x.WriteStartElement("patient", Hl7);
            x.WriteStartElement("name", Hl7);
            x.WriteElementString("given", Hl7, h.Given);
            x.WriteStartElement("family", Hl7);
            x.WriteAttributeString("qualifier", "BR");
            x.WriteString(h.Family);
            x.WriteEndElement();
            x.WriteEndElement();
            Empty(x, "administrativeGenderCode", ("code", h.Female ? "F" : "M"), ("codeSystem", "2.16.840.1.113883.5.1"));
            Empty(x, "birthTime", ("value", h.BirthDate.ToString("yyyyMMdd")));
            x.WriteEndElement();
            x.WriteEndElement();
            x.WriteEndElement();

            x.WriteStartElement("author", Hl7);
            Empty(x, "time", ("value", Ts(h.Effective)));
            x.WriteStartElement("assignedAuthor", Hl7);
            Empty(x, "id", ("root", IdNatPsOid), ("extension", h.AuthorIdNatPs));
            x.WriteStartElement("assignedPerson", Hl7);
            x.WriteStartElement("name", Hl7);
            x.WriteElementString("given", Hl7, h.AuthorGiven);
            x.WriteElementString("family", Hl7, h.AuthorFamily);
            x.WriteEndElement();
            x.WriteEndElement();
            Organization(x, "representedOrganization", h);
            x.WriteEndElement();
            x.WriteEndElement();

            x.WriteStartElement("custodian", Hl7);
            x.WriteStartElement("assignedCustodian", Hl7);
            Organization(x, "representedCustodianOrganization", h);
            x.WriteEndElement();
            x.WriteEndElement();

            x.WriteStartElement("component", Hl7);
            x.WriteStartElement("nonXMLBody", Hl7);
            x.WriteStartElement("text", Hl7);
            x.WriteAttributeString("mediaType", "application/pdf");
            x.WriteAttributeString("representation", "B64");
            x.WriteString(Convert.ToBase64String(pdf));
            x.WriteEndElement();
            x.WriteEndElement();
            x.WriteEndElement();

            x.WriteEndElement();
            x.WriteEndDocument();
        }
        return buffer.ToArray();
    }

    private static void Organization(XmlWriter x, string element, CdaHeader h)
    {
        x.WriteStartElement(element, Hl7);
        Empty(x, "id", ("root", IdNatStOid), ("extension", h.OrganizationIdNatSt));
        x.WriteElementString("name", Hl7, h.OrganizationName);
        x.WriteEndElement();
    }

    private static void Empty(XmlWriter x, string name, params (string Name, string Value)[] attributes)
    {
        x.WriteStartElement(name, Hl7);
        foreach (var (n, v) in attributes) x.WriteAttributeString(n, v);
        x.WriteEndElement();
    }

    // HL7 V3 TS: yyyyMMddHHmmss+zzzz.
    private static string Ts(DateTimeOffset t) => t.ToString("yyyyMMddHHmmss") + (t.Offset < TimeSpan.Zero ? "-" : "+") + t.Offset.ToString("hhmm");
}
