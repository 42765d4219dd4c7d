"""The staff desk's URLs; the project mounts them under ``desk/``."""

from django.urls import path

from civicdesk.channels.desk.views import (
    absences,
    attachments,
    auth,
    cases,
    intake,
    letters,
    queues,
    reports,
    review,
    search,
    thread,
    two_factor,
)

app_name = "desk"

urlpatterns = [
    path("", queues.home, name="home"),
    path("sign-in/", auth.StaffLoginView.as_view(), name="login"),
    path("sign-out/", auth.StaffLogoutView.as_view(), name="logout"),
    path("two-factor/", two_factor.verify, name="two_factor"),
    path("two-factor/set-up/", two_factor.set_up, name="two_factor_setup"),
    path("queue/<slug:scope>/", queues.queue, name="queue"),
    path("search/", search.search_cases, name="search"),
    path("new/", intake.new_case, name="new_case"),
    path("new/guidance/", intake.intake_guidance, name="intake_guidance"),
    path("letters/new/", letters.new_letter, name="new_letter"),
    path("cases/<str:reference>/", cases.case_detail, name="case"),
    path("cases/<str:reference>/items/<int:item>/done/", cases.complete_item, name="complete_item"),
    path("cases/<str:reference>/thread/answer/", cases.answer_by_email, name="answer_by_email"),
    path("cases/<str:reference>/attachments/<int:pk>/", thread.attachment, name="attachment"),
    path("cases/<str:reference>/scans/<int:pk>/", thread.scan, name="scan"),
    path("cases/<str:reference>/files/", cases.attach_file, name="attach_file"),
    path("cases/<str:reference>/files/<int:pk>/", attachments.case_file, name="case_file"),
    path(
        "cases/<str:reference>/files/<int:pk>/thumbnail/", attachments.case_file_thumbnail, name="case_file_thumbnail"
    ),
    path("cases/<str:reference>/files/<int:pk>/public/", attachments.show_to_resident, name="case_file_public"),
    path("cases/<str:reference>/open311-photo/", attachments.open311_photo, name="open311_photo"),
    path("cases/<str:reference>/<slug:action>/", cases.transition, name="transition"),
    path("escalations/", reports.escalations, name="escalations"),
    path("outstanding/", reports.outstanding, name="outstanding"),
    path("undelivered/", thread.undelivered, name="undelivered"),
    path("mail-checks/", reports.mail_checks, name="mail_checks"),
    path("review/", review.review, name="review"),
    path("review/<int:pk>/approve/", review.approve, name="approve_message"),
    path("review/<int:pk>/return/", review.return_, name="return_message"),
    path("absences/", absences.absences, name="absences"),
    path("absences/<int:pk>/end/", absences.end, name="end_absence"),
]
