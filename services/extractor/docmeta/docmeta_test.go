package docmeta

import (
	"testing"
	"time"

	"github.com/docketwatch/docketwatch/pkg/filing"
)

func TestFindCourt(t *testing.T) {
	tests := []struct {
		caption string
		want    string
		ok      bool
	}{
		{"UNITED STATES DISTRICT COURT CENTRAL DISTRICT OF CALIFORNIA", "cacd", true},
		{"IN THE UNITED STATES COURT OF APPEALS FOR THE NINTH CIRCUIT", "ca9", true},
		{"UNITED STATES BANKRUPTCY COURT SOUTHERN DISTRICT OF NEW YORK", "nysb", true},
		{"United States District Court Southern District of New York", "nysd", true},
		{"U.S. District Court California Northern District", "cand", true},
		{"SUPREME COURT OF THE STATE OF NEW YORK COUNTY OF NEW YORK", "nysupct", true},
		{"UNITED STATES DISTRICT COURT", "", false},
		{"The court, on its own initiative, orders the parties", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.caption, func(t *testing.T) {
			c, ok := FindCourt(tt.caption)
			got := ""
			if ok {
				got = c.ID
			}
			if got != tt.want || ok != tt.ok {
				t.Errorf("FindCourt(%q) = %q, %v; want %q, %v", tt.caption, got, ok, tt.want, tt.ok)
			}
		})
	}
}

// typeCase is a text and the document type a classifier should give it.
type typeCase struct {
	text string
	want filing.DocType
}

// checkTypes runs classify, named name, over cases, a subtest each.
func checkTypes(t *testing.T, name string, classify func(string) filing.DocType, cases []typeCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.text, func(t *testing.T) {
			if got := classify(tc.text); got != tc.want {
				t.Errorf("%s(%q) = %q; want %q", name, tc.text, got, tc.want)
			}
		})
	}
}

func TestClassify(t *testing.T) {
	checkTypes(t, "Classify", Classify, []typeCase{
		{"NOTICE OF MOTION AND MOTION TO COMPEL PRODUCTION OF DOCUMENTS", filing.TypeMotion},
		{"MOTION FOR PROTECTIVE ORDER", filing.TypeMotion},
		{"MEMORANDUM OF POINTS AND AUTHORITIES IN OPPOSITION TO DEFENDANT'S MOTION TO DISMISS", filing.TypeOpposition},
		{"REPLY IN SUPPORT OF MOTION FOR SUMMARY JUDGMENT", filing.TypeReply},
		{"MEMORANDUM AND ORDER", filing.TypeOrder},
		{"MEMORANDUM OPINION", filing.TypeOpinion},
		{"[PROPOSED] ORDER GRANTING STIPULATED DISMISSAL", filing.TypeOrder},
		{"STIPULATION AND [PROPOSED] ORDER", filing.TypeStipulation},
		{"DECLARATION OF JANE ROE IN SUPPORT OF PLAINTIFFS' MOTION", filing.TypeDeclaration},
		{"FIRST AMENDED COMPLAINT FOR DAMAGES", filing.TypeComplaint},
		{"ANSWER AND AFFIRMATIVE DEFENSES", filing.TypeAnswer},
		{"FINAL JUDGMENT", filing.TypeJudgment},
		{"EXHIBIT 12", filing.TypeExhibit},
		{"BRIEF OF APPELLANT", filing.TypeBrief},
		{"NOTICE OF APPEAL", filing.TypeNotice},
		{"TRANSCRIPT OF PROCEEDINGS", filing.TypeTranscript},
		{"CIVIL MINUTES - GENERAL", filing.TypeMinuteEntry},
		{"O R D E R", filing.TypeOrder},
		{"Designation & Statement of Issues", filing.TypeOther},
		{"Motion Order", filing.TypeOrder},
		{"Summary Judgment Motion", filing.TypeMotion},
		{"Stipulated Protective Order", filing.TypeOrder},
		{"Motion for Entry of Judgment", filing.TypeMotion},
		{"Order and Judgment", filing.TypeJudgment},
		{"Case termination for order and judgment", filing.TypeJudgment},
		{"Case termination for opinion", filing.TypeOpinion},
		{"Reply Brief", filing.TypeReply},
		{"Opening Brief", filing.TypeBrief},
		{"So-Ordered Stipulation of Dismissal", filing.TypeOrder},
		{"ORDER granting 12 MOTION to Dismiss", filing.TypeOrder},
		{"ANSWER to Complaint with Jury Demand", filing.TypeAnswer},
		{"Letter Motion", filing.TypeMotion},
		{"Exhibit 1 Certificate of Service", filing.TypeExhibit},
		{"COMPLAINT filed. Summons issued and Notice pursuant to 28 U.S.C. 636(c).", filing.TypeComplaint},
		{"Order on Letter Motion", filing.TypeOrder},
		{"Scheduling Order (Will Generate PDF Notice to BNC)", filing.TypeOrder},
		{"Order Approving Application to Pay Filing Fee", filing.TypeOrder},
		{"Stipulation and Order of Dismissal", filing.TypeOrder},
		{"OPINION AND ORDER", filing.TypeOpinion},
		{"AFFIDAVIT of Service of Summons", filing.TypeNotice},
		{"MOTION to Dismiss with Certificate of Service", filing.TypeMotion},
		{"Voluntary Petition (Chapter 7)", filing.TypeComplaint},
		{"Objection to Claim", filing.TypeOpposition},
		{"Affirmation in Support (non-motion)", filing.TypeDeclaration},
		{"Judgment order filed", filing.TypeJudgment},
		{"ruling", filing.TypeOrder},
		{"ruling letter sent", filing.TypeLetter},
		{"Sentencing Submission", filing.TypeMemorandum},
		{"Exhibit Declaration of John Roe", filing.TypeExhibit},
		{"Exhibit Proposed Amended Complaint", filing.TypeExhibit},
		{"Exhibit(s) C", filing.TypeExhibit},
		{"Exhibit List", filing.TypeOther},
		{"Appendix Vol. 2 Part 3", filing.TypeExhibit},
		{"Roe Dep. Ex. 12", filing.TypeExhibit},
		{"Ex Parte Application for Temporary Restraining Order", filing.TypeMotion},
		{"Brief in Support of Motion to Dismiss", filing.TypeMemorandum},
		{"BRIEF IN SUPPORT re 32 Order", filing.TypeBrief},
		{"Reply Brief in Support of Motion to Dismiss", filing.TypeReply},
		{"ORDER - The motion to transfer venue, ECF No. 4, is granted.", filing.TypeOrder},
		{"REPLY -- (re: pldg. 3 ) Filed by deft. Acme - w/cert of svc", filing.TypeReply},
		{"Minute Order setting a status conference", filing.TypeMinuteEntry},
		{"Memo in Support of Motion to Compel", filing.TypeMemorandum},
		{"Memo Endorsement granting the request", filing.TypeOrder},
		{"Waiver of Service", filing.TypeNotice},
		{"Acknowledgment of Service", filing.TypeNotice},
		{"Transcript Order Form", filing.TypeOther},
		{"Response to Order to Show Cause", filing.TypeMemorandum},
		{"Response to Motion to Dismiss", filing.TypeOpposition},
		{"MOTION TO DISMISS; CERTIFICATE OF SERVICE", filing.TypeMotion},
	})
}

func TestClassifyEvent(t *testing.T) {
	checkTypes(t, "classifyEvent", classifyEvent, []typeCase{
		{"Dismiss", filing.TypeMotion},
		{"Extension of Time to File Answer", filing.TypeMotion},
		{"Answer to Complaint", filing.TypeAnswer},
		{"ORDER granting 12 MOTION to Dismiss", filing.TypeOrder},
		{"Statement of Relatedness", filing.TypeOther},
		{"Strike Order", filing.TypeOrder},
		{"Referral to Mediation Program re 12. Signed by Magistrate Judge Ann Roe on 4/2/2024.", filing.TypeOrder},
		{"Case assigned to Magistrate Judge Ann Roe.", filing.TypeOther},
		{"NOTICE of Hearing. Signed by Judge Ann Roe.", filing.TypeNotice},
		// The event that opens a docket text names its paper, not a paper of its object
		// or of a later sentence.
		{"Return of Service upon the bank re 41 Final Order of Garnishment", filing.TypeNotice},
		{"** SEALED ** RETURN OF SERVICE Executed for Order to Show Cause on 3/1/24", filing.TypeNotice},
		{"WAIVER OF SERVICE Returned Executed. Waiver sent on 2/1/2024, answer due 4/1/2024.", filing.TypeNotice},
		{"Case reassigned to Judge Ann Roe. Counsel shall serve a copy of this notice and the standing order.", filing.TypeOther},
		{"STATUS REPORT filed by Acme Corp. re 12 Order. (Attachments: # 1 Certificate of Service)", filing.TypeOther},
		{"Record on Appeal forwarded to the Court of Appeals regarding 30 Notice of Appeal", filing.TypeOther},
		{"Set/Reset Deadlines as to 22 MOTION to Compel. Responses due by 5/1/2024.", filing.TypeOther},
		{"NOTIFICATION: deadline set, relating to transcript order 14", filing.TypeOther},
		{"CERTIFIED MAIL RECEIPT returned by appellant for order 7", filing.TypeNotice},
		{"RESPONSE filed by Appellee Ann Roe to court order of 2/3/2024", filing.TypeMemorandum},
		{"RESPONSE filed by Appellee Ann Roe to Appellant's Motion to Stay", filing.TypeOpposition},
		{"NOTICE of Rescheduled Hearing. The dial-in line opens 10 minutes before the hearing.", filing.TypeNotice},
		{"MINUTE ORDER granting 8 Motion for Extension of Time. Signed by Judge Ann Roe.", filing.TypeMinuteEntry},
		{"ABSTRACT OF ORDER Releasing Defendant re 9 Hearing", filing.TypeOrder},
		{"Received copy of U.S. District Court order", filing.TypeOrder},
		{"Assented to MOTION for Leave to File Excess Pages", filing.TypeMotion},
		{"[PROPOSED] ORDER granting leave by Acme Corp.", filing.TypeOrder},
		{"Rule 7.1 - Disclosure Statement", filing.TypeOther},
		{"Local Rule 9(b) - Affidavit", filing.TypeDeclaration},
	})
}

func TestCaptionCaseName(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"parties over lines", "IN THE UNITED STATES DISTRICT COURT\nFOR THE DISTRICT OF OREGON\n\nMARIA L. GARCIA, et al.,\n\nPlaintiffs,\n\nv.\n\nACME WIDGET CO., INC.,\n\nDefendant.\n\nORDER",
			"Garcia v. Acme Widget Co., Inc."},
		{"two columns", "JOHN SMITH, ) Case No. 3:21-cv-01234\nPlaintiff-Appellee, )\nv. ) OPINION\nCITY OF PORTLAND, )\nDefendant. )",
			"Smith v. City of Portland"},
		{"in re", "UNITED STATES BANKRUPTCY COURT\nDISTRICT OF DELAWARE\n\nIn re:\nWIDGET HOLDINGS LLC,\nDebtor.\n\nChapter 11",
			"In re Widget Holdings LLC"},
		{"united states", "UNITED STATES OF AMERICA,\nPlaintiff,\nv.\nROBERT DOE,\nDefendant.", "United States v. Doe"},
		{"labelled", "Re: Case No. 21-1234, Alpha Corp. v. Beta LLC, et al", "Alpha Corp. v. Beta LLC"},
		{"in the matter of", "UNITED STATES DISTRICT COURT\nSOUTHERN DISTRICT OF NEW YORK\n\nIN THE MATTER OF SEARCH WARRANTS\nEXECUTED ON APRIL 9, 2018\n\nORDER",
			"In the Matter of Search Warrants Executed on April 9, 2018"},
		{"short title line", "U.S. District Court\nDistrict of Alaska (Anchorage)\nCIVIL DOCKET FOR CASE #: 3:08-cv-00284-TMB\nWest American Insurance Company v. Gifford et al\nAssigned to: Judge A",
			"West American Insurance Company v. Gifford"},
		{"case title label", "CRIMINAL DOCKET FOR CASE #: 2:17-cr-00378-SPL-1\nCase title: USA v. Santana-Esmeralda\nDate Filed: 03/15/2017", "United States v. Santana-Esmeralda"},
		{"sheet title kept whole", "CIVIL DOCKET FOR CASE #: 1:10-cv-00100\n(PC) Alvarado Ruiz v. Okafor et al\nAssigned to: Judge B", "(PC) Alvarado Ruiz v. Okafor"},
		{"sheet title wrapped", "CIVIL DOCKET FOR CASE #: 2:99-cv-00200\nMARIA ELENA QUISPE V. NORTHWIND\nFABRICATORS\nAssigned to: Judge C", "Maria Elena Quispe v. Northwind Fabricators"},
		{"appellate sheet, not its party listing", "Court of Appeals Docket #: 11-2000\nDocketed: 01/02/2011\nNature of Suit:\n3422 Appeal\nOkafor v. Lakeview Savings Bank\nAppeal From:\nDistrict of Maine\n" +
			"JOHN OKAFOR\nPlaintiff - Appellant\n12 Harbor Street Portland\nv.\nLAKEVIEW SAVINGS BANK\nDefendant - Appellee", "Okafor v. Lakeview Savings Bank"},
		{"bankruptcy sheet names its debtor", "U.S. BANKRUPTCY COURT\nBankruptcy Petition #: 19-10001\nAssigned to: Judge D\nChapter 7\nDebtor\nPriya Raman\n10 Elm Road\nrepresented by\nA Lawyer", "Priya Raman"},
		{"prosecuted person by surname", "UNITED STATES OF AMERICA,\nPlaintiff-Appellee,\nv.\nWEIMING ZHAO,\nDefendant-Appellant.", "United States v. Zhao"},
		{"forfeited thing is no person", "UNITED STATES OF AMERICA,\nPlaintiff,\nv.\nREAL PROPERTY,\nDefendant.", "United States v. Real Property"},
		{"addresses are no party", "ALPHA CORP.,\n100 Harbor Street\nv.\nBETA LLC,\n2 Mill Road Suite 5\nDefendant.", "Alpha Corp. v. Beta LLC"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			full, left := captionText([]filing.Page{{Number: 1, Text: tt.text}})
			if got := captionCaseName(left, full); got != tt.want {
				t.Errorf("case name = %q; want %q", got, tt.want)
			}
		})
	}
}

func TestParseRECAPName(t *testing.T) {
	tests := []struct {
		name string
		want recapFile
		ok   bool
	}{
		{"gov.uscourts.azd.1085839.3.0.pdf", recapFile{Court: "azd", PacerCaseID: "1085839", Entry: 3}, true},
		{"gov.uscourts.cand.364380.736.12.pdf", recapFile{Court: "cand", PacerCaseID: "364380", Entry: 736, Attachment: 12}, true},
		{"gov.uscourts.ca1.12-2209.00106475093.0.pdf", recapFile{Court: "ca1", Docket: "12-2209"}, true},
		{"/tmp/in/GOV.USCOURTS.NYSB.123.4.0.PDF", recapFile{Court: "nysb", PacerCaseID: "123", Entry: 4}, true},
		{"gov.uscourts.nosuchcourt.1.2.0.pdf", recapFile{}, false},
		{"order.pdf", recapFile{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := parseRECAPName(tt.name)
			if got != tt.want || ok != tt.ok {
				t.Errorf("parseRECAPName = %+v, %v; want %+v, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

// The strongest origin wins: a source's values over a file name's, a file name's over a
// stamp's, a stamp's over a caption's.
func TestApplyPrecedence(t *testing.T) {
	page := filing.Page{Number: 1,
		Stamp: "Case 1:21-cv-01061-KLM Document 7-2 Filed 04/16/21 USDC Colorado Page 1 of 16",
		Text:  "IN THE UNITED STATES DISTRICT COURT\nFOR THE DISTRICT OF KANSAS\nCivil Action No. 2:20-cv-09999\nALPHA CORP.,\nPlaintiff,\nv.\nBETA LLC,\nDefendant.\nMOTION TO DISMISS"}
	tests := []struct {
		name string
		doc  filing.Document
		want filing.Document
	}{
		{"read only", filing.Document{Blob: &filing.BlobRef{Name: "scan.pdf"}},
			filing.Document{Docket: filing.Docket{Court: "cod", Number: "1:21-cv-01061", CaseName: "Alpha Corp. v. Beta LLC"},
				Entry: filing.Entry{Number: 7, Filed: time.Date(2021, 4, 16, 0, 0, 0, 0, time.UTC)}, Attachment: 2,
				Title: "MOTION TO DISMISS", Type: filing.TypeMotion}},
		{"file name beats stamp", filing.Document{Blob: &filing.BlobRef{Name: "gov.uscourts.ksd.555.9.0.pdf"}},
			filing.Document{Docket: filing.Docket{Court: "ksd", Number: "1:21-cv-01061", CaseName: "Alpha Corp. v. Beta LLC",
				SourceIDs: map[string]string{"pacer_case_id": "555"}},
				Entry: filing.Entry{Number: 9, Filed: time.Date(2021, 4, 16, 0, 0, 0, 0, time.UTC)},
				Title: "MOTION TO DISMISS", Type: filing.TypeMotion}},
		{"source beats all", filing.Document{Docket: filing.Docket{Court: "nysd", Number: "1:99-cv-00001", CaseName: "Gamma v. Delta"},
			Entry: filing.Entry{Number: 3, Description: "ORDER granting motion"}, Blob: &filing.BlobRef{Name: "x.pdf"}},
			filing.Document{Docket: filing.Docket{Court: "nysd", Number: "1:99-cv-00001", CaseName: "Gamma v. Delta"},
				Entry: filing.Entry{Number: 3, Description: "ORDER granting motion", Filed: time.Date(2021, 4, 16, 0, 0, 0, 0, time.UTC)},
				Title: "MOTION TO DISMISS", Type: filing.TypeOrder}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Apply(tt.doc, Read(tt.doc, []filing.Page{page}))
			if got.Docket.Court != tt.want.Docket.Court || got.Docket.Number != tt.want.Docket.Number ||
				got.Docket.CaseName != tt.want.Docket.CaseName || got.Entry.Number != tt.want.Entry.Number ||
				got.Attachment != tt.want.Attachment || !got.Entry.Filed.Equal(tt.want.Entry.Filed) ||
				got.Title != tt.want.Title || got.Type != tt.want.Type ||
				got.Docket.SourceIDs["pacer_case_id"] != tt.want.Docket.SourceIDs["pacer_case_id"] {
				t.Errorf("got %+v / %+v\nwant %+v / %+v", got.Docket, got, tt.want.Docket, tt.want)
			}
		})
	}
}

// A value the user states is never replaced, not even by a source's.
func TestApplyKeepsUserValues(t *testing.T) {
	doc := filing.Document{Docket: filing.Docket{Court: "ca9", CaseName: "Zeta v. Eta"},
		Origins: map[string]filing.Origin{filing.FieldCourt: filing.FromUser, filing.FieldCaseName: filing.FromUser},
		Blob:    &filing.BlobRef{Name: "gov.uscourts.cand.1.2.0.pdf"}}
	got := Apply(doc, Read(doc, nil))
	if got.Docket.Court != "ca9" || got.Origins[filing.FieldCourt] != filing.FromUser {
		t.Errorf("court = %q (%s); want ca9 (user)", got.Docket.Court, got.Origins[filing.FieldCourt])
	}
	if got.Entry.Number != 2 || got.Origins[filing.FieldEntry] != filing.FromFileName {
		t.Errorf("entry = %d (%s); want 2 (file_name)", got.Entry.Number, got.Origins[filing.FieldEntry])
	}
	if doc.Origins[filing.FieldEntry] != "" {
		t.Errorf("Apply changed its argument's origins: %v", doc.Origins)
	}
}

// A brief is an appeal's or an amicus's (doc.go): a trial court's other briefs are
// memoranda, known from the court the source names.
func TestBriefAtTrialCourt(t *testing.T) {
	tests := []struct {
		court, text string
		want        filing.DocType
	}{
		{"ned", "BRIEF in support of the sentencing position by Defendant", filing.TypeMemorandum},
		{"cand", "Post-Trial Brief of Plaintiff", filing.TypeMemorandum},
		{"cand", "Amicus Brief of the Roe Foundation", filing.TypeBrief},
		{"cand", "Appellant's Brief in the bankruptcy appeal", filing.TypeBrief},
		{"ca9", "BRIEF filed by Appellee", filing.TypeBrief},
		{"", "BRIEF filed by Plaintiff", filing.TypeBrief},
	}
	for _, tt := range tests {
		t.Run(tt.court+" "+tt.text, func(t *testing.T) {
			doc := filing.Document{Source: "courtlistener", Docket: filing.Docket{Court: tt.court},
				Entry: filing.Entry{Description: tt.text}}
			if got := Read(doc, nil).Type; got != tt.want {
				t.Errorf("Read(%s: %q).Type = %q; want %q", tt.court, tt.text, got, tt.want)
			}
		})
	}
}
